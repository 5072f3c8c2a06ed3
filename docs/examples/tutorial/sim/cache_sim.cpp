//===- cache_sim.cpp - A fixed-size cache replaying an access trace -------===//

#include "cache_sim.h"

#include <cstdlib>
#include <fstream>
#include <unordered_map>

namespace cache {

bool loadTrace(const std::string &Path, Trace &Out, std::string &Error) {
  std::ifstream In(Path);
  if (!In) {
    Error = "cannot open " + Path;
    return false;
  }
  std::string Line;
  int LineNo = 0;
  while (std::getline(In, Line)) {
    ++LineNo;
    if (Line.empty() || Line[0] == '#')
      continue;
    const char *Text = Line.c_str();
    char *End;
    if (Out.Capacity == 0) {
      if (Line.rfind("capacity ", 0) == 0)
        Out.Capacity = int(std::strtol(Text + 9, &End, 10));
      if (Out.Capacity <= 0) {
        Error = Path + ":" + std::to_string(LineNo) +
                ": expected 'capacity N' (N > 0) first";
        return false;
      }
      continue;
    }
    const long Key = std::strtol(Text, &End, 10);
    if (End == Text) {
      Error = Path + ":" + std::to_string(LineNo) + ": expected a key";
      return false;
    }
    Out.Keys.push_back(Key);
  }
  if (Out.Keys.empty()) {
    Error = Path + ": no accesses";
    return false;
  }
  return true;
}

Result simulate(const Trace &T, int (*ChooseVictim)(const View &)) {
  std::vector<Entry> Cache;                // the simulator's own state
  std::unordered_map<long, int> Slot;      // key -> index in Cache
  std::vector<Entry> Copy;                 // what the policy sees
  Cache.reserve(T.Capacity);
  Result R;
  for (long Now = 0; Now < long(T.Keys.size()); ++Now) {
    const long Key = T.Keys[Now];
    ++R.Accesses;
    auto It = Slot.find(Key);
    if (It != Slot.end()) {
      Entry &E = Cache[It->second];
      E.LastAccess = Now;
      ++E.Hits;
      continue;
    }
    ++R.Misses;
    const Entry New{Key, Now, Now, 0};
    if (int(Cache.size()) < T.Capacity) {
      Slot[Key] = int(Cache.size());
      Cache.push_back(New);
      continue;
    }
    Copy = Cache;
    const View V{Now, Key, Copy.data(), int(Copy.size()), T.Capacity};
    int Victim = ChooseVictim(V);
    // The validity rule lives here, outside the region.
    if (Victim < 0 || Victim >= int(Cache.size())) {
      ++R.InvalidVictims;
      Victim = 0;
    }
    Slot.erase(Cache[Victim].Key);
    Cache[Victim] = New;
    Slot[Key] = Victim;
  }
  return R;
}

} // namespace cache
