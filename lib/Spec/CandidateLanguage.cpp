//===- CandidateLanguage.cpp - What region code may use -------------------===//

#include "adrs/Spec/CandidateLanguage.h"

#include "llvm/ADT/STLExtras.h"

using namespace llvm;

namespace adrs {
namespace spec {

namespace {

const StringRef CxxHeaders[] = {"algorithm",
                                "any",
                                "array",
                                "atomic",
                                "barrier",
                                "bit",
                                "bitset",
                                "charconv",
                                "chrono",
                                "codecvt",
                                "compare",
                                "complex",
                                "concepts",
                                "condition_variable",
                                "coroutine",
                                "deque",
                                "exception",
                                "execution",
                                "expected",
                                "filesystem",
                                "format",
                                "forward_list",
                                "fstream",
                                "functional",
                                "future",
                                "generator",
                                "initializer_list",
                                "iomanip",
                                "ios",
                                "iosfwd",
                                "iostream",
                                "istream",
                                "iterator",
                                "latch",
                                "limits",
                                "list",
                                "locale",
                                "map",
                                "mdspan",
                                "memory",
                                "memory_resource",
                                "mutex",
                                "new",
                                "numbers",
                                "numeric",
                                "optional",
                                "ostream",
                                "print",
                                "queue",
                                "random",
                                "ranges",
                                "ratio",
                                "regex",
                                "scoped_allocator",
                                "semaphore",
                                "set",
                                "shared_mutex",
                                "source_location",
                                "span",
                                "spanstream",
                                "sstream",
                                "stack",
                                "stacktrace",
                                "stdexcept",
                                "stdfloat",
                                "stop_token",
                                "streambuf",
                                "string",
                                "string_view",
                                "strstream",
                                "syncstream",
                                "system_error",
                                "thread",
                                "tuple",
                                "type_traits",
                                "typeindex",
                                "typeinfo",
                                "unordered_map",
                                "unordered_set",
                                "utility",
                                "valarray",
                                "variant",
                                "vector",
                                "version"};

/// The C library's headers by their C name; each also has a C++ name,
/// `c` + the name without `.h`.
const StringRef CHeaders[] = {
    "assert.h",   "complex.h",  "ctype.h",  "errno.h",   "fenv.h",   "float.h",
    "inttypes.h", "iso646.h",   "limits.h", "locale.h",  "math.h",   "setjmp.h",
    "signal.h",   "stdalign.h", "stdarg.h", "stdbool.h", "stddef.h", "stdint.h",
    "stdio.h",    "stdlib.h",   "string.h", "tgmath.h",  "time.h",   "uchar.h",
    "wchar.h",    "wctype.h"};

/// Algorithms, containers, numerics, math and utilities: what a policy
/// computes its decision with. What is left out does something else: I/O
/// and files (iostream, fstream, cstdio, filesystem), processes, signals
/// and the environment (cstdlib, csignal, csetjmp), threads and atomics,
/// clocks and randomness (chrono, ctime, random: a policy whose decision
/// depends on the time or on entropy cannot be compared with another),
/// and raw memory (memory, new, cstring, span, bit's bit_cast).
const StringRef DefaultHeaders[] = {
    "algorithm",    "array",         "bitset",
    "cfloat",       "climits",       "cmath",
    "compare",      "complex",       "concepts",
    "cstddef",      "cstdint",       "deque",
    "forward_list", "functional",    "initializer_list",
    "iterator",     "limits",        "list",
    "map",          "numbers",       "numeric",
    "optional",     "queue",         "ratio",
    "set",          "stack",         "stdexcept",
    "string",       "string_view",   "tuple",
    "type_traits",  "unordered_map", "unordered_set",
    "utility",      "variant",       "vector"};

} // namespace

ArrayRef<StringRef> standardHeaders() {
  static const std::vector<StringRef> All = [] {
    std::vector<StringRef> V(std::begin(CxxHeaders), std::end(CxxHeaders));
    static std::vector<std::string> CxxNames;
    for (StringRef C : CHeaders)
      CxxNames.push_back("c" + C.drop_back(2).str());
    for (StringRef C : CHeaders)
      V.push_back(C);
    for (const std::string &N : CxxNames)
      V.push_back(N);
    return V;
  }();
  return All;
}

ArrayRef<StringRef> defaultAllowedHeaders() { return DefaultHeaders; }

std::string cxxHeaderName(StringRef Header) {
  if (is_contained(CHeaders, Header))
    return "c" + Header.drop_back(2).str();
  return Header.str();
}

bool isDefaultAllowedHeader(StringRef Header) {
  return is_contained(DefaultHeaders, cxxHeaderName(Header));
}

} // namespace spec
} // namespace adrs
