//===- adrs/Regions/Region.h - The code that may change ---------*- C++ -*-===//
//
// A region is a byte range of one source file that generators may rewrite:
// the lines between `// EVOLVE-BLOCK-START name` and `// EVOLVE-BLOCK-END`,
// or the whole definition of a function marked ADRS_EVOLVE. With it comes
// the context a proposal needs: the enclosing function's signature and the
// declarations the region uses that are defined outside it.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_REGIONS_REGION_H
#define ADRS_REGIONS_REGION_H

#include "adrs/Spec/Spec.h"

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace adrs {
namespace regions {

/// A declaration a region refers to but does not define.
struct ContextDecl {
  std::string Kind; ///< function, variable, field, type, enum, local, ...
  std::string Name; ///< Qualified where that helps (cbl::PolicyState).
  std::string File; ///< Absolute.
  unsigned Line = 0;
  std::string Text; ///< Its source text; a function's signature only.
};

struct Region {
  spec::RegionKind Kind = spec::RegionKind::Block;
  std::string Name;
  std::string File; ///< Absolute.
  /// The translation unit the region is found and checked in: File itself,
  /// or the first source that includes it when File is a header.
  std::string Unit;
  /// Every translation unit that compiles the region (a header's region is
  /// in each source that includes it); Unit is the first.
  std::vector<std::string> Units;
  /// The evolvable bytes [Begin, End) of File. For a block, whole lines
  /// strictly between the markers; for a function, its definition.
  size_t Begin = 0;
  size_t End = 0;
  unsigned FirstLine = 0; ///< 1-based, of Begin.
  unsigned LastLine = 0;  ///< 1-based, of the last byte before End.
  /// The signature of the function the block is in (or of the function).
  std::string Function;
  /// Why a call to that function cannot be made from another process with
  /// its arguments copied (see Boundary.h); empty when it can, which is
  /// what confirming a candidate's score in a separate process needs.
  std::string Boundary;
  /// Whether running past the region's last statement runs off the end of
  /// a function that returns a value (the region is that function, or ends
  /// its body): an edit must leave a return on that path.
  bool MustReturn = false;
  std::vector<ContextDecl> Context;
  std::string Text; ///< The current contents of [Begin, End).
};

/// A region as data (with its context), and back: regions travel to the
/// sandboxed child that checks a candidate.
llvm::json::Value toJSON(const Region &R);
Region regionFromJSON(const llvm::json::Object &O);

} // namespace regions
} // namespace adrs

#endif
