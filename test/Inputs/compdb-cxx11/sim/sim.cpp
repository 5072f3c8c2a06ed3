// Compiled as C++11 with its own entry of the compilation database.
#include "pacer.h"

int simulate(int N) {
  Pacer P(2);
  int Total = 0;
  for (int I = 1; I <= N; ++I)
    Total += P.next(I);
  return Total;
}
