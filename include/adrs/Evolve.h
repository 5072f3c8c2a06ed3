//===- adrs/Evolve.h - Marking functions for evolution ----------*- C++ -*-===//
//
// Put ADRS_EVOLVE before a function definition to make the whole definition
// a region, then name it in the spec: `evolve function NAME in "FILE"`.
//
//   ADRS_EVOLVE int pickServer(const Load &L) { ... }
//
// The macro expands to a Clang annotation, which adrsc finds in the AST; for
// other compilers it expands to nothing, so marked code builds anywhere.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVOLVE_H
#define ADRS_EVOLVE_H

#if defined(__clang__)
#define ADRS_EVOLVE __attribute__((annotate("adrs_evolve")))
#else
#define ADRS_EVOLVE
#endif

#endif // ADRS_EVOLVE_H
