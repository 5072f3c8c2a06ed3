//===- adrs/Generate/Builtin.h - Edits without a model ----------*- C++ -*-===//
//
// The built-in generator proposes genetic-improvement edits of a program's
// regions: perturb a numeric constant, swap an operator, negate a condition,
// delete, duplicate, swap or move a statement, or copy a statement from
// another program (crossover). Every proposal is a SEARCH/REPLACE reply, the
// format an LLM answers in, so it takes the same road through patching, the
// passes and evaluation as a model's edit would.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_BUILTIN_H
#define ADRS_GENERATE_BUILTIN_H

#include "adrs/Core/Program.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace adrs {
namespace generate {

using adrs::Program;

enum class Operator {
  Constant,
  BinaryOperator,
  Negate,
  Delete,
  Duplicate,
  Swap,
  Move,
  Crossover,
};

/// The spelling the spec uses (`constant`, `operator`, `negate`, ...).
llvm::StringRef toString(Operator Op);
std::optional<Operator> operatorNamed(llvm::StringRef Name);
std::vector<Operator> allOperators();

struct Proposal {
  Operator Op;
  std::string Region;      ///< The region it edits.
  std::string Reply;       ///< SEARCH/REPLACE blocks, as an LLM would write.
  std::string Description; ///< One line: "constant 0.5 -> 0.75 at line 12".
  /// The edited region's whole new text (for a single edit).
  std::string NewText;
};

/// How a proposal should look.
struct ProposalShape {
  /// The operator to try first; the others follow in a random order.
  std::optional<Operator> First;
  /// Edits stacked into one proposal, each on the program the one before
  /// made (a stalled search moves further).
  unsigned Edits = 1;
  /// How many times wider the range a constant is drawn from.
  unsigned Widen = 1;
};

class BuiltinGenerator {
public:
  /// \p Operators empty means all of them.
  explicit BuiltinGenerator(std::vector<Operator> Operators = {});

  /// One edit of \p Parent. \p Donors are other programs crossover may copy
  /// from. Tries operators in a random order until one applies; none when
  /// no operator can change the program (for example, an empty region).
  /// Deterministic for a given generator state. \p MustReturn names the
  /// regions whose end is the end of a function that returns a value
  /// (regions::Region::MustReturn): no deletion there lets control run off
  /// that end.
  std::optional<Proposal> propose(const Program &Parent,
                                  llvm::ArrayRef<const Program *> Donors,
                                  std::mt19937_64 &Rng,
                                  const std::set<std::string> &MustReturn = {},
                                  const ProposalShape &Shape = {}) const;

private:
  std::vector<Operator> Operators;
};

} // namespace generate
} // namespace adrs

#endif
