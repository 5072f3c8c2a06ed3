//===- eplb.cpp - Traces, placement checks, balancedness, score -----------===//

#include "eplb.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace eplb {

namespace {

// A trace larger than this is refused rather than parsed (the committed
// ones are about 36 KB).
constexpr std::size_t kMaxTraceBytes = 64u << 20;

bool readInt(std::istringstream &In, long long &Out) {
  std::string Word;
  if (!(In >> Word))
    return false;
  errno = 0;
  char *End = nullptr;
  Out = std::strtoll(Word.c_str(), &End, 10);
  return errno == 0 && End && *End == '\0' && End != Word.c_str();
}

std::string at(int Line) { return "line " + std::to_string(Line) + ": "; }

} // namespace

bool parseTrace(const std::string &Text, Trace &Out, std::string &Error) {
  Out = Trace();
  std::istringstream Lines(Text);
  std::string Line;
  int Number = 0;
  bool HaveCluster = false, HaveShape = false;
  long long Windows = 0, Layers = 0, Experts = 0;
  std::size_t Rows = 0;
  while (std::getline(Lines, Line)) {
    ++Number;
    if (Line.empty() || Line[0] == '#')
      continue;
    std::istringstream In(Line);
    if (!HaveCluster) {
      std::string Word;
      long long V[4];
      const char *Names[4] = {"replicas", "groups", "nodes", "gpus"};
      if (!(In >> Word) || Word != "cluster") {
        Error = at(Number) + "expected 'cluster replicas R groups G nodes N "
                             "gpus P'";
        return false;
      }
      for (int I = 0; I < 4; ++I)
        if (!(In >> Word) || Word != Names[I] || !readInt(In, V[I]) ||
            V[I] < 1 || V[I] > 100000) {
          Error = at(Number) + "expected '" + Names[I] +
                  "' and a count from 1 to 100000";
          return false;
        }
      Out.cluster = {int(V[0]), int(V[1]), int(V[2]), int(V[3])};
      HaveCluster = true;
      continue;
    }
    if (!HaveShape) {
      std::string Word;
      long long *V[3] = {&Windows, &Layers, &Experts};
      const char *Names[3] = {"windows", "layers", "experts"};
      if (!(In >> Word) || Word != "shape") {
        Error = at(Number) + "expected 'shape windows W layers L experts E'";
        return false;
      }
      for (int I = 0; I < 3; ++I)
        if (!(In >> Word) || Word != Names[I] || !readInt(In, *V[I]) ||
            *V[I] < 1 || *V[I] > 100000) {
          Error = at(Number) + "expected '" + Names[I] +
                  "' and a count from 1 to 100000";
          return false;
        }
      if (Windows < 2) {
        Error = at(Number) + "a trace needs at least 2 windows (rebalance on "
                             "one, serve the next)";
        return false;
      }
      if (Windows * Layers * Experts > 50000000) {
        Error = at(Number) + "the trace is too large";
        return false;
      }
      Out.windows.assign(static_cast<std::size_t>(Windows), Load());
      for (Load &W : Out.windows) {
        W.layers = int(Layers);
        W.experts = int(Experts);
        W.tokens.reserve(static_cast<std::size_t>(Layers * Experts));
      }
      HaveShape = true;
      continue;
    }
    if (Rows == static_cast<std::size_t>(Windows * Layers)) {
      Error = at(Number) + "more rows than the shape's " +
              std::to_string(Windows * Layers);
      return false;
    }
    Load &W = Out.windows[Rows / static_cast<std::size_t>(Layers)];
    for (long long E = 0; E < Experts; ++E) {
      long long V;
      if (!readInt(In, V) || V < 0 || V > (1ll << 40)) {
        Error = at(Number) + "expected " + std::to_string(Experts) +
                " loads from 0 to 2^40";
        return false;
      }
      W.tokens.push_back(V);
    }
    std::string Extra;
    if (In >> Extra) {
      Error = at(Number) + "more than " + std::to_string(Experts) + " loads";
      return false;
    }
    ++Rows;
  }
  if (!HaveShape) {
    Error = "no 'cluster' and 'shape' lines";
    return false;
  }
  if (Rows != static_cast<std::size_t>(Windows * Layers)) {
    Error = "the trace has " + std::to_string(Rows) +
            " rows; its shape needs " + std::to_string(Windows * Layers);
    return false;
  }
  const Cluster &C = Out.cluster;
  if (C.replicas % C.gpus != 0 || C.gpus % C.nodes != 0 ||
      C.replicas < Experts || Experts % C.groups != 0) {
    Error = "the cluster does not fit: replicas must be a multiple of gpus, "
            "gpus of nodes, experts of groups, and replicas at least experts";
    return false;
  }
  return true;
}

bool loadTrace(const std::string &Path, Trace &Out, std::string &Error) {
  std::ifstream In(Path, std::ios::binary);
  if (!In) {
    Error = Path + ": cannot open";
    return false;
  }
  std::string Text;
  char Buffer[65536];
  while (In.read(Buffer, sizeof(Buffer)) || In.gcount() > 0) {
    Text.append(Buffer, static_cast<std::size_t>(In.gcount()));
    if (Text.size() > kMaxTraceBytes) {
      Error = Path + ": larger than 64 MiB";
      return false;
    }
  }
  if (!parseTrace(Text, Out, Error)) {
    Error = Path + ": " + Error;
    return false;
  }
  return true;
}

std::string checkPlacement(const Placement &P, const Cluster &C,
                           const Load &Next) {
  const std::size_t L = static_cast<std::size_t>(Next.layers);
  const std::size_t E = static_cast<std::size_t>(Next.experts);
  const std::size_t R = static_cast<std::size_t>(C.replicas);
  const std::string Sizes = " (layers " + std::to_string(L) + ", experts " +
                            std::to_string(E) + ", slots " + std::to_string(R) +
                            ")";
  if (P.phy2log.size() != L * R)
    return "phy2log has " + std::to_string(P.phy2log.size()) +
           " entries, not layers x slots" + Sizes;
  if (P.logcnt.size() != L * E)
    return "logcnt has " + std::to_string(P.logcnt.size()) +
           " entries, not layers x experts" + Sizes;
  if (P.maxReplicas < 1 || static_cast<std::size_t>(P.maxReplicas) > R)
    return "maxReplicas is " + std::to_string(P.maxReplicas) +
           "; it must be from 1 to the number of slots, " + std::to_string(R);
  const std::size_t M = static_cast<std::size_t>(P.maxReplicas);
  if (P.log2phy.size() != L * E * M)
    return "log2phy has " + std::to_string(P.log2phy.size()) +
           " entries, not layers x experts x maxReplicas" + Sizes;

  std::vector<int> Count(E);
  std::vector<char> Listed(R);
  for (std::size_t Layer = 0; Layer < L; ++Layer) {
    const std::string Where = "layer " + std::to_string(Layer) + ": ";
    const int *Phy = &P.phy2log[Layer * R];
    std::fill(Count.begin(), Count.end(), 0);
    for (std::size_t S = 0; S < R; ++S) {
      if (Phy[S] < 0 || static_cast<std::size_t>(Phy[S]) >= E)
        return Where + "slot " + std::to_string(S) + " holds expert " +
               std::to_string(Phy[S]) + "; experts are 0.." +
               std::to_string(E - 1);
      ++Count[static_cast<std::size_t>(Phy[S])];
    }
    std::fill(Listed.begin(), Listed.end(), 0);
    for (std::size_t X = 0; X < E; ++X) {
      const std::string Expert = "expert " + std::to_string(X);
      const int Cnt = P.logcnt[Layer * E + X];
      if (Cnt != Count[X])
        return Where + "logcnt says " + Expert + " has " + std::to_string(Cnt) +
               " replicas; phy2log gives it " + std::to_string(Count[X]);
      if (static_cast<std::size_t>(Cnt) > M)
        return Where + Expert + " has " + std::to_string(Cnt) +
               " replicas, more than maxReplicas " + std::to_string(M);
      if (Cnt == 0 && Next.at(int(Layer), int(X)) > 0)
        return Where + Expert + " has load " +
               std::to_string(Next.at(int(Layer), int(X))) +
               " in the next window but no replica: its load would be "
               "dropped";
      const int *Row = &P.log2phy[(Layer * E + X) * M];
      for (std::size_t Rank = 0; Rank < M; ++Rank) {
        const int S = Row[Rank];
        const std::string Entry = "log2phy[" + Expert + "][" +
                                  std::to_string(Rank) + "] is " +
                                  std::to_string(S);
        if (Rank >= static_cast<std::size_t>(Cnt)) {
          if (S != -1)
            return Where + Entry + "; after its " + std::to_string(Cnt) +
                   " replicas it must be -1";
          continue;
        }
        if (S < 0 || static_cast<std::size_t>(S) >= R)
          return Where + Entry + "; slots are 0.." + std::to_string(R - 1);
        if (static_cast<std::size_t>(Phy[S]) != X)
          return Where + Entry + ", but phy2log puts expert " +
                 std::to_string(Phy[S]) + " in slot " + std::to_string(S);
        if (Listed[static_cast<std::size_t>(S)])
          return Where + Entry + ", a slot listed twice";
        Listed[static_cast<std::size_t>(S)] = 1;
      }
    }
  }
  return "";
}

Balance balancedness(const Placement &P, const Cluster &C, const Load &Next) {
  const std::size_t E = static_cast<std::size_t>(Next.experts);
  const std::size_t R = static_cast<std::size_t>(C.replicas);
  const int PerGpu = C.slotsPerGpu();
  double GpuMeans = 0, GpuMaxes = 0, SlotMeans = 0, SlotMaxes = 0;
  std::vector<double> Slot(R);
  for (int Layer = 0; Layer < Next.layers; ++Layer) {
    // Every slot holds one replica, so its load is its expert's share; an
    // expert without load or replicas adds nothing, as in the reference.
    const int *Phy = &P.phy2log[static_cast<std::size_t>(Layer) * R];
    const int *Cnt = &P.logcnt[static_cast<std::size_t>(Layer) * E];
    for (std::size_t S = 0; S < R; ++S) {
      const int X = Phy[S];
      const std::int64_t Tokens = Next.at(Layer, X);
      Slot[S] = Tokens > 0 ? double(Tokens) / double(Cnt[X]) : 0.0;
    }
    double SlotSum = 0, SlotMax = 0, GpuSum = 0, GpuMax = 0;
    for (int G = 0; G < C.gpus; ++G) {
      double Gpu = 0;
      for (int I = 0; I < PerGpu; ++I) {
        const double V = Slot[static_cast<std::size_t>(G * PerGpu + I)];
        Gpu += V;
        SlotSum += V;
        SlotMax = std::max(SlotMax, V);
      }
      GpuSum += Gpu;
      GpuMax = std::max(GpuMax, Gpu);
    }
    GpuMeans += GpuSum / C.gpus;
    GpuMaxes += GpuMax;
    SlotMeans += SlotSum / double(R);
    SlotMaxes += SlotMax;
  }
  Balance B;
  B.gpu = GpuMaxes > 0 ? GpuMeans / GpuMaxes : 0;
  B.expert = SlotMaxes > 0 ? SlotMeans / SlotMaxes : 0;
  return B;
}

double score(double BalGpu, double Seconds) {
  const double T = Seconds * kTimeScale;
  double Speed = 10;
  if (T > 0)
    Speed = 5 * std::min(0.002 / T, 2.0);
  const double Penalty = T > 0.01 ? std::min(20 * T, 20.0) : 0.0;
  return 90 * BalGpu + Speed - Penalty;
}

} // namespace eplb
