//===- adrs/Support/EnumNames.h - An enum's spellings, listed once -*- C++
//-*-===//
//
// Typed enums are turned into text only at the edges (JSON, SQL, the wire
// between processes). Each enum lists its spellings once, in a table of
// {value, name} pairs, and both directions read that table: a spelling added
// to one direction and forgotten in the other cannot happen.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_SUPPORT_ENUMNAMES_H
#define ADRS_SUPPORT_ENUMNAMES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorHandling.h"

#include <cstddef>
#include <optional>

namespace adrs {

template <typename EnumT> struct EnumName {
  EnumT Value;
  const char *Name;
};

/// The name of \p Value in \p Names. A value missing from its table is a
/// programming error, reported as one (not undefined behaviour in a release
/// build, as llvm_unreachable would be).
template <typename EnumT, std::size_t N>
llvm::StringRef nameOf(const EnumName<EnumT> (&Names)[N], EnumT Value) {
  for (const EnumName<EnumT> &E : Names)
    if (E.Value == Value)
      return E.Name;
  llvm::report_fatal_error("an enum value without a name in its table");
}

/// The value named \p Name in \p Names, or none: names come from outside
/// (a database, a child's message) and may be anything.
template <typename EnumT, std::size_t N>
std::optional<EnumT> valueNamed(const EnumName<EnumT> (&Names)[N],
                                llvm::StringRef Name) {
  for (const EnumName<EnumT> &E : Names)
    if (Name == E.Name)
      return E.Value;
  return std::nullopt;
}

} // namespace adrs

#endif // ADRS_SUPPORT_ENUMNAMES_H
