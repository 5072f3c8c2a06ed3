//===- lb/types.h - The load balancer simulator's data model --------------===//
//
// The simulator keeps its data in fixed-capacity arrays: no allocation on
// the request path, and (for the tests) no standard headers to parse.
//
//===----------------------------------------------------------------------===//

#ifndef LB_TYPES_H
#define LB_TYPES_H

namespace lb {

enum class Tier { Gold, Silver, Bronze };

struct Server {
  int Id = 0;
  double Load = 0;
  double Capacity = 1;
  bool Healthy = true;
};

struct Request {
  int Id = 0;
  double Cost = 0;
  Tier Class = Tier::Bronze;
};

/// A list of at most N elements, stored inline.
template <typename T, int N> class FixedList {
public:
  int size() const { return Count; }
  const T &operator[](int I) const { return Items[I]; }
  const T *begin() const { return Items; }
  const T *end() const { return Items + Count; }
  bool push(const T &V) {
    if (Count == N)
      return false;
    Items[Count++] = V;
    return true;
  }

private:
  T Items[N];
  int Count = 0;
};

using Pool = FixedList<Server, 64>;

double tierWeight(Tier T);

} // namespace lb

#endif
