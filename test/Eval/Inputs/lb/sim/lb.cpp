#include "lb.h"

#include <cstdio>
#include <cstring>

namespace lb {

bool simulate(const char *Path, int (*Assign)(const View &), Result &Out) {
  std::FILE *F = std::fopen(Path, "r");
  if (!F)
    return false;
  Server S[8];
  double FreeAt[8] = {0};
  int N = 0;
  char Word[16];
  if (std::fscanf(F, "%15s", Word) != 1 || std::strcmp(Word, "servers") != 0) {
    std::fclose(F);
    return false;
  }
  while (N < 8 && std::fscanf(F, " %lf", &S[N].Speed) == 1)
    ++N;
  double Arrival, Size, Total = 0;
  Out = Result();
  while (std::fscanf(F, " ; %lf %lf", &Arrival, &Size) == 2) {
    for (int I = 0; I < N; ++I)
      S[I].Backlog = FreeAt[I] > Arrival ? FreeAt[I] - Arrival : 0;
    View V{Path, Size, Out.Jobs, S, N};
    int C = Assign(V);
    if (C < 0 || C >= N) {
      ++Out.Invalid;
      C = 0;
    }
    double Start = FreeAt[C] > Arrival ? FreeAt[C] : Arrival;
    FreeAt[C] = Start + Size / S[C].Speed;
    Total += FreeAt[C] - Arrival;
    ++Out.Jobs;
  }
  std::fclose(F);
  Out.MeanResponse = Out.Jobs ? Total / Out.Jobs : 0;
  return Out.Jobs > 0;
}

} // namespace lb
