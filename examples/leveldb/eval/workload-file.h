// What the LevelDB evaluators share: a workload file's settings, a random
// stream that is the same everywhere, and the keys.
#ifndef LEVELDB_EVAL_WORKLOAD_FILE_H
#define LEVELDB_EVAL_WORKLOAD_FILE_H

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

/// A workload file's "name value" lines (# starts a comment), taken one by
/// one with their bounds; what is left over is an unknown setting.
class WorkloadSettings {
public:
  /// Reads \p Path; an empty string on success, else why not.
  std::string read(const std::string &Path) {
    std::ifstream In(Path);
    if (!In)
      return "cannot read the workload file";
    std::string Line;
    int LineNo = 0;
    while (std::getline(In, Line)) {
      ++LineNo;
      Line = Line.substr(0, Line.find('#'));
      std::istringstream Words(Line);
      std::string Name;
      double Value;
      if (!(Words >> Name))
        continue;
      if (!(Words >> Value))
        return "line " + std::to_string(LineNo) + ": '" + Name +
               "' needs a number";
      Values[Name] = Value;
    }
    return "";
  }

  /// Sets \p Out to setting \p Name when the file has it, within [Lo, Hi];
  /// the first setting out of its bounds is the error.
  template <class T> void take(const char *Name, double Lo, double Hi, T &Out) {
    auto It = Values.find(Name);
    if (It == Values.end())
      return;
    if (!(It->second >= Lo && It->second <= Hi)) {
      if (Error.empty())
        Error = std::string("'") + Name + "' must be between " +
                std::to_string(Lo) + " and " + std::to_string(Hi);
    } else {
      Out = T(It->second);
    }
    Values.erase(It);
  }

  /// Once every setting is taken: why the file is wrong, or "".
  std::string error() const {
    if (!Error.empty())
      return Error;
    if (!Values.empty())
      return "unknown setting '" + Values.begin()->first + "'";
    return "";
  }

private:
  std::map<std::string, double> Values;
  std::string Error;
};

/// splitmix64: the same stream on every platform and standard library.
struct Random {
  uint64_t State;
  explicit Random(uint64_t Seed) : State(Seed) {}
  uint64_t next() {
    uint64_t Z = (State += 0x9e3779b97f4a7c15ULL);
    Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebULL;
    return Z ^ (Z >> 31);
  }
  int uniform(int N) { return int(next() % uint64_t(N)); }
  double unit() { return double(next() >> 11) * 0x1.0p-53; }
};

/// Key I of a database: "%016d".
inline std::string keyOf(int I) {
  char Buf[24];
  std::snprintf(Buf, sizeof Buf, "%016d", I);
  return Buf;
}

#endif // LEVELDB_EVAL_WORKLOAD_FILE_H
