//===- balancer.cpp - A load-balancing simulator ---------------------------===//

#include "balancer.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace lb {

bool loadWorkload(const std::string &Path, Workload &Out, std::string &Error) {
  std::ifstream In(Path);
  if (!In) {
    Error = "cannot open " + Path;
    return false;
  }
  std::string Line;
  int LineNo = 0;
  double LastArrival = 0;
  while (std::getline(In, Line)) {
    ++LineNo;
    if (Line.empty() || Line[0] == '#')
      continue;
    std::istringstream Fields(Line);
    if (Out.Speeds.empty()) {
      std::string Word;
      double Speed;
      Fields >> Word;
      while (Fields >> Speed) {
        if (Speed <= 0) {
          Error = Path + ":" + std::to_string(LineNo) + ": speeds must be positive";
          return false;
        }
        Out.Speeds.push_back(Speed);
      }
      if (Word != "servers" || Out.Speeds.empty()) {
        Error = Path + ":" + std::to_string(LineNo) +
                ": expected 'servers SPEED...' first";
        return false;
      }
      continue;
    }
    Workload::Job J;
    if (!(Fields >> J.Arrival >> J.Size) || J.Size <= 0 ||
        J.Arrival < LastArrival) {
      Error = Path + ":" + std::to_string(LineNo) +
              ": expected 'ARRIVAL SIZE', arrivals in order, sizes positive";
      return false;
    }
    LastArrival = J.Arrival;
    Out.Jobs.push_back(J);
  }
  if (Out.Jobs.empty()) {
    Error = Path + ": no jobs";
    return false;
  }
  return true;
}

Result simulate(const Workload &W, int (*Assign)(const View &)) {
  const int N = int(W.Speeds.size());
  std::vector<double> FreeAt(N, 0.0);            // when each queue empties
  std::vector<std::vector<double>> Finishes(N);  // finish times per server
  std::vector<Server> Servers(N);
  Result R;
  double Total = 0;
  for (size_t I = 0; I < W.Jobs.size(); ++I) {
    const Workload::Job &J = W.Jobs[I];
    for (int S = 0; S < N; ++S) {
      auto &F = Finishes[S];
      F.erase(std::remove_if(F.begin(), F.end(),
                             [&](double T) { return T <= J.Arrival; }),
              F.end());
      Servers[S] = {W.Speeds[S], std::max(0.0, FreeAt[S] - J.Arrival),
                    int(F.size())};
    }
    View V{J.Arrival, J.Size, long(I), Servers.data(), N};
    int Choice = Assign(V);
    // The validity rule lives here, outside the region.
    if (Choice < 0 || Choice >= N) {
      ++R.InvalidChoices;
      Choice = 0;
    }
    double Start = std::max(J.Arrival, FreeAt[Choice]);
    double Finish = Start + J.Size / W.Speeds[Choice];
    FreeAt[Choice] = Finish;
    Finishes[Choice].push_back(Finish);
    double Response = Finish - J.Arrival;
    Total += Response;
    R.MaxResponse = std::max(R.MaxResponse, Response);
  }
  R.Jobs = long(W.Jobs.size());
  R.MeanResponse = Total / double(R.Jobs);
  return R;
}

} // namespace lb
