//===- Syntax.h - The spec as written, before checking ----------*- C++ -*-===//
//
// The parser (the only code that sees ANTLR) turns the parse tree into these
// plain structures with source ranges; Sema checks them and builds a Spec.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_SPEC_SYNTAX_H
#define ADRS_LIB_SPEC_SYNTAX_H

#include "adrs/Spec/Expr.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/Support/SMLoc.h"

#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace spec {
namespace syntax {

/// A literal or a bare word.
struct Value {
  enum class Kind { Number, Quantity, Money, String, Word };
  Kind K = Kind::Word;
  /// Numeric value for Number, Quantity and Money (sign applied).
  double Number = 0;
  /// The unit of a Quantity (`s`, `MB`, `%`).
  std::string Unit;
  /// Unquoted and unescaped contents for String, the word for Word.
  std::string Text;
  /// Source spelling, for messages.
  std::string Spelling;
  bool Unterminated = false;
  bool IsTripleQuoted = false;
  llvm::SMRange Range;

  llvm::SMLoc loc() const { return Range.Start; }
  bool isNumeric() const {
    return K == Kind::Number || K == Kind::Quantity || K == Kind::Money;
  }
};

struct Setting {
  Value Key;
  std::vector<Value> Values;
  llvm::SMRange Range;
};

struct Macro {
  Value Name;
  std::optional<Value> Val;
};

struct MetricDecl {
  Value Name;
  std::optional<Value> Description;
};

enum class StmtKind {
  Describe,
  Hints,
  Sources,
  Include,
  Link,
  Define,
  Flags,
  Std,
  Compdb,
  Evolve,
  EvaluatorCommand,
  Evaluator,
  Baseline,
  Workloads,
  Metrics,
  Objective,
  Score,
  Require,
  Verify,
  Forbid,
  Allow,
  Limits,
  Stage,
  Repeats,
  Generator,
  Executor,
  Search,
  Seed,
  Budget,
  Unknown
};

/// One statement. Which fields are set depends on Kind; the grammar in
/// dsl/Adrs.g4 is the reference for that.
struct Statement {
  StmtKind Kind = StmtKind::Unknown;
  Value Keyword;                 ///< The first word.
  llvm::SMRange Range;           ///< The whole statement.
  std::optional<Value> Name;     ///< The declared or referenced name.
  std::optional<Value> Modifier; ///< block/function, maximize/minimize,
                                 ///< as/split.
  std::optional<Value> Role;     ///< The set a workload goes to: train/test.
  std::optional<Value> Number;   ///< weight, repeats, seed, split share, ...
  std::optional<Value> Seed;
  std::vector<Value> Strings; ///< A string list, or the text of describe.
  std::vector<Macro> Macros;
  std::vector<MetricDecl> Metrics;
  ExprPtr Expression;              ///< score, require, stage keep-if.
  std::vector<ExprPtr> Conditions; ///< verify: one per comma-separated item.
  std::vector<Setting> Settings;
  bool HasBlock = false; ///< Settings came (partly) from `{ ... }`.
};

struct SpecSyntax {
  Value ProblemKeyword;
  std::optional<Value> ProblemName;
  std::optional<Value> Title;
  std::vector<Statement> Statements;
};

/// Lexes and parses the buffer. Syntax errors are reported to \p Diags and
/// recovered from at the next statement; the result holds whatever parsed.
/// Returns nullopt only when nothing could be parsed at all.
std::optional<SpecSyntax> parseSyntax(llvm::SourceMgr &SM, unsigned BufferID,
                                      DiagnosticEngine &Diags);

/// The statement keywords, for suggestions.
llvm::ArrayRef<llvm::StringRef> statementKeywords();

} // namespace syntax
} // namespace spec
} // namespace adrs

#endif
