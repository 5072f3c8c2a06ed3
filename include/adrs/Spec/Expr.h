//===- adrs/Spec/Expr.h - Expressions over metrics --------------*- C++ -*-===//
//
// Scores, constraints and stage thresholds are small expressions over the
// metrics an evaluator reports. They are parsed once with the spec and
// evaluated for every candidate.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_SPEC_EXPR_H
#define ADRS_SPEC_EXPR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SMLoc.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace spec {

class Expr;
using ExprPtr = std::shared_ptr<const Expr>;

class Expr {
public:
  enum class Kind { Number, Metric, Negate, Not, Binary, Call };
  enum class BinaryOp { Add, Sub, Mul, Div, EQ, NE, LT, LE, GT, GE, And, Or };

  static ExprPtr number(double Value, llvm::SMRange Range);
  static ExprPtr metric(std::string Name, llvm::SMRange Range);
  static ExprPtr unary(Kind K, ExprPtr Operand, llvm::SMRange Range);
  static ExprPtr binary(BinaryOp Op, ExprPtr LHS, ExprPtr RHS,
                        llvm::SMRange Range);
  static ExprPtr call(std::string Callee, std::vector<ExprPtr> Args,
                      llvm::SMRange Range);

  Kind getKind() const { return K; }
  double getNumber() const { return Number; }
  /// The metric name for Metric, the function name for Call.
  llvm::StringRef getName() const { return Name; }
  BinaryOp getOp() const { return Op; }
  const std::vector<ExprPtr> &operands() const { return Operands; }
  llvm::SMRange getRange() const { return Range; }

  /// True for comparisons and logical operators: the value is 0 or 1 and
  /// the expression reads as a condition.
  bool isCondition() const;

  /// Canonical source text, fully parenthesised only where needed.
  std::string str() const;

  /// Every metric name the expression reads, in order of first use.
  std::vector<std::string> metricsUsed() const;

  /// Evaluates with metric values from \p Lookup. Division by zero and
  /// unknown metrics are errors rather than NaN, so a bad score never
  /// silently ranks a candidate.
  llvm::Expected<double>
  evaluate(const std::function<std::optional<double>(llvm::StringRef)> &Lookup)
      const;

  /// Folds an expression that reads no metric; nullopt otherwise.
  std::optional<double> constantValue() const;

private:
  Kind K = Kind::Number;
  double Number = 0;
  std::string Name;
  BinaryOp Op = BinaryOp::Add;
  std::vector<ExprPtr> Operands;
  llvm::SMRange Range;
};

/// The functions expressions may call, with their arity.
struct BuiltinFunction {
  llvm::StringLiteral Name;
  unsigned MinArgs;
  unsigned MaxArgs;
};
llvm::ArrayRef<BuiltinFunction> builtinFunctions();
const BuiltinFunction *lookupBuiltinFunction(llvm::StringRef Name);

llvm::StringRef spelling(Expr::BinaryOp Op);

} // namespace spec
} // namespace adrs

#endif
