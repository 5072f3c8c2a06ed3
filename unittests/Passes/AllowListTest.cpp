//===- AllowListTest.cpp - The candidate language's tables ----------------===//
//
// The rule tables of the allow pass and of the spec's `allow headers`: the
// C math functions, the builtins, which public header a file of the C++
// library belongs to, and the standard headers.
//
//===----------------------------------------------------------------------===//

#include "adrs/Passes/AllowList.h"
#include "adrs/Spec/CandidateLanguage.h"

#include "llvm/ADT/STLExtras.h"

#include "gtest/gtest.h"

using namespace adrs;
using namespace adrs::passes::allowlist;

namespace {

using Headers = std::vector<std::string>;

TEST(AllowListTest, CMathFunctionsInEveryForm) {
  for (const char *Name :
       {"sqrt", "sqrtf", "sqrtl", "floor", "pow", "fmin", "lround", "llroundl",
        "modf", "abs", "labs", "llabs", "nextafterf", "atan2l"})
    EXPECT_TRUE(isCMathFunction(Name)) << Name;
  // The rest of the C library is not math, whatever it sounds like.
  for (const char *Name : {"", "absl", "rand", "exit", "memcpy", "div", "fopen",
                           "getenv", "sqrtff", "time", "clock"})
    EXPECT_FALSE(isCMathFunction(Name)) << Name;
}

TEST(AllowListTest, Builtins) {
  for (const char *Name :
       {"__builtin_popcountll", "__builtin_clz", "__builtin_bswap64",
        "__builtin_inff", "__builtin_huge_val", "__builtin_nanf",
        "__builtin_isnan", "__builtin_add_overflow", "__builtin_sqrt",
        "__builtin_floorl", "__builtin_expect"})
    EXPECT_TRUE(isAllowedBuiltin(Name)) << Name;
  for (const char *Name :
       {"__builtin_frame_address", "__builtin_return_address",
        "__builtin_memcpy", "__builtin_alloca", "__builtin_trap",
        "__builtin_dump_struct", "__builtin_setjmp", "__builtin_unreachable",
        "__builtin_bit_cast", "popcount", "sqrt"})
    EXPECT_FALSE(isAllowedBuiltin(Name)) << Name;
}

TEST(AllowListTest, PublicHeadersOfTheCxxLibrary) {
  // A public header is itself, in libstdc++ and libc++ alike.
  LibraryFile F = classifyLibraryFile("/usr/include/c++/12/vector", "");
  EXPECT_TRUE(F.IsCxxLibrary);
  EXPECT_EQ(F.Headers, Headers{"vector"});
  F = classifyLibraryFile("/usr/lib/llvm-16/include/c++/v1/cmath", "");
  EXPECT_EQ(F.Headers, Headers{"cmath"});
  // libc++'s internal directories are named after their public header.
  F = classifyLibraryFile("/usr/lib/llvm-16/include/c++/v1/__algorithm/sort.h",
                          "");
  EXPECT_TRUE(F.IsCxxLibrary);
  EXPECT_EQ(F.Headers, Headers{"algorithm"});
  F = classifyLibraryFile("/usr/lib/llvm-16/include/c++/v1/__config", "");
  EXPECT_TRUE(F.IsCxxLibrary);
  EXPECT_TRUE(F.Headers.empty());
}

TEST(AllowListTest, InternalHeadersOfLibstdcxx) {
  // libstdc++ names the public header of each internal one in its header
  // comment, sometimes several, sometimes across lines.
  LibraryFile F = classifyLibraryFile(
      "/usr/include/c++/12/bits/stl_algo.h",
      "/** @file bits/stl_algo.h\n *  This is an internal header file, "
      "included by other library headers.\n *  Do not attempt to use it "
      "directly. @headername{algorithm}\n */\n");
  EXPECT_TRUE(F.IsCxxLibrary);
  EXPECT_EQ(F.Headers, Headers{"algorithm"});
  F = classifyLibraryFile("/usr/include/c++/12/bits/std_abs.h",
                          " *  @headername{cmath, cstdlib}\n");
  EXPECT_EQ(F.Headers, (Headers{"cmath", "cstdlib"}));
  F = classifyLibraryFile(
      "/usr/include/c++/12/bits/hashtable.h",
      " *  @headername{unordered_map,\n *  unordered_set}\n");
  EXPECT_EQ(F.Headers, (Headers{"unordered_map", "unordered_set"}));
  // The target's own directory is part of the library too.
  F = classifyLibraryFile(
      "/usr/include/x86_64-linux-gnu/c++/12/bits/c++config.h",
      " *  @headername{version}\n");
  EXPECT_EQ(F.Headers, Headers{"version"});
  // An internal header that names none belongs to none.
  F = classifyLibraryFile("/usr/include/c++/12/bits/exception.h",
                          "// no annotation\n");
  EXPECT_TRUE(F.IsCxxLibrary);
  EXPECT_TRUE(F.Headers.empty());
}

TEST(AllowListTest, OtherSystemHeadersAreNotTheCxxLibrary) {
  for (const char *Path :
       {"/usr/include/stdio.h", "/usr/include/x86_64-linux-gnu/bits/types.h",
        "/usr/lib/llvm-16/lib/clang/16/include/xmmintrin.h", "", "/c++/"})
    EXPECT_FALSE(classifyLibraryFile(Path, "@headername{vector}").IsCxxLibrary)
        << Path;
}

TEST(AllowListTest, StandardHeaders) {
  llvm::ArrayRef<llvm::StringRef> All = spec::standardHeaders();
  for (const char *H : {"vector", "random", "chrono", "fstream", "cmath",
                        "math.h", "cstdio", "stdio.h", "csetjmp"})
    EXPECT_TRUE(llvm::is_contained(All, H)) << H;
  EXPECT_FALSE(llvm::is_contained(All, "sys/mman.h"));
  EXPECT_FALSE(llvm::is_contained(All, "<vector>"));
  EXPECT_EQ(spec::cxxHeaderName("math.h"), "cmath");
  EXPECT_EQ(spec::cxxHeaderName("stdint.h"), "cstdint");
  EXPECT_EQ(spec::cxxHeaderName("vector"), "vector");
  EXPECT_EQ(spec::cxxHeaderName("sys/mman.h"), "sys/mman.h");
}

TEST(AllowListTest, TheDefaultHeadersComputeAndNothingElse) {
  for (const char *H : {"algorithm", "vector", "map", "cmath", "math.h",
                        "numeric", "functional", "limits", "cstdint"})
    EXPECT_TRUE(spec::isDefaultAllowedHeader(H)) << H;
  // I/O, files, processes, threads, clocks, randomness, raw memory.
  for (const char *H :
       {"iostream", "fstream", "cstdio",  "stdio.h", "filesystem",
        "cstdlib",  "csignal", "csetjmp", "thread",  "atomic",
        "mutex",    "future",  "chrono",  "ctime",   "random",
        "memory",   "new",     "cstring", "span",    "bit"})
    EXPECT_FALSE(spec::isDefaultAllowedHeader(H)) << H;
  // Every default header is a standard one.
  for (llvm::StringRef H : spec::defaultAllowedHeaders())
    EXPECT_TRUE(llvm::is_contained(spec::standardHeaders(), H)) << H.str();
}

} // namespace
