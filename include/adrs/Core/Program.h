//===- adrs/Core/Program.h - A program as the search sees it ----*- C++ -*-===//
//
// The vocabulary every component shares: a program is the text of each
// region, by region name. Everything else about it (the files it makes, its
// parse, its score) is derived from that and the baseline's sources.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_CORE_PROGRAM_H
#define ADRS_CORE_PROGRAM_H

#include <cstdint>
#include <map>
#include <string>

namespace adrs {

/// Region name -> region text.
using Program = std::map<std::string, std::string>;

/// A key for the exact text of \p P. Cheap and taken before any parse: the
/// run uses it to avoid evaluating a text it has seen. Programs that differ
/// only in comments, layout or local names have different text keys but the
/// same program fingerprint (passes::programFingerprint), which is the
/// program's identity.
uint64_t textKey(const Program &P);

} // namespace adrs

#endif
