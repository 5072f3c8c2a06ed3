//===- adrs/Regions/Boundary.h - Calls across a process boundary -*- C++
//-*-===//
//
// A candidate's score is confirmed with the candidate in a process of its
// own: the simulator calls the region's function through a proxy that
// copies the arguments over, and copies the result (and any argument taken
// by non-const reference) back. That is sound only for functions whose
// arguments and result are plain data: no pointers the other process could
// not follow, no methods, no templates. This says which functions qualify.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_REGIONS_BOUNDARY_H
#define ADRS_REGIONS_BOUNDARY_H

#include <optional>
#include <string>

namespace clang {
class FunctionDecl;
} // namespace clang

namespace adrs {
namespace regions {

/// Why calls to \p F cannot be made from another process with their
/// arguments copied, or none when they can.
std::optional<std::string> whyNotCallableAcross(const clang::FunctionDecl &F);

/// \p F's type with every name fully qualified, as C++ that another
/// translation unit with the same headers can spell:
/// `cbl::ClusterType (const cbl::PolicyState &)`.
std::string qualifiedFunctionType(const clang::FunctionDecl &F);

} // namespace regions
} // namespace adrs

#endif
