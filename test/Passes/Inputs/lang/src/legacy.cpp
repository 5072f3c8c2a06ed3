//===- legacy.cpp - A region that held #includes before adrsc -------------===//
//
// Written before the rules: its file-scope region includes headers. An edit
// may not add a directive, but the ones already there are judged by the
// passes on every candidate (forbid includes, and the allow pass).
//
//===----------------------------------------------------------------------===//

#include "lang/model.h"

// EVOLVE-BLOCK-START helpers
#include <fstream> // c
%:include <thread>
#  include <cstring>
#include <vector>
inline double scale() { return 2.0; }
// EVOLVE-BLOCK-END

double score(const lang::Job &J) {
  // EVOLVE-BLOCK-START score
  return J.Size * scale();
  // EVOLVE-BLOCK-END
}
