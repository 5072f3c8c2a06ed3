//===- adrs/Crossing.h - Arguments that cross a process boundary -*- C++
//-*-===//
//
// adrsc confirms a candidate's score with the candidate in a process of its
// own: the simulator calls the evolved function through a proxy that copies
// the arguments to the candidate's process and the result back. Plain data
// (numbers, enums, structs and arrays of them) is copied byte for byte. A
// type that holds pointers needs to say what to copy with them; it does so
// with a specialization of adrs::Crossing, next to the type (never inside an
// evolved region):
//
//   template <> struct adrs::Crossing<cbl::PolicyState> {
//     static void write(const cbl::PolicyState &S, adrs::CrossingWriter &W) {
//       W.value(S);                              // the struct itself
//       W.array(S.doneTicks, S.numDoneTicks);    // what doneTicks points to
//     }
//     static void read(cbl::PolicyState &S, adrs::CrossingReader &R) {
//       R.value(S);
//       S.doneTicks = R.array<double>(S.numDoneTicks);
//     }
//   };
//
// `adrsc regions` says for each region whether its function can be called
// this way, and if not, which type stands in the way.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_CROSSING_H
#define ADRS_CROSSING_H

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

namespace adrs {

/// The bytes one side of a call sends.
class CrossingWriter {
public:
  void bytes(const void *Data, std::size_t Size) {
    const char *P = static_cast<const char *>(Data);
    Buffer.insert(Buffer.end(), P, P + Size);
  }
  /// A plain-data value, byte for byte.
  template <typename T> void value(const T &V) {
    static_assert(std::is_trivially_copyable<T>::value,
                  "only trivially copyable values are copied byte for byte");
    bytes(&V, sizeof(T));
  }
  /// \p N plain-data elements starting at \p P (nothing when \p N is 0).
  template <typename T> void array(const T *P, std::size_t N) {
    static_assert(std::is_trivially_copyable<T>::value,
                  "only arrays of trivially copyable values are copied");
    value(N);
    if (N)
      bytes(P, N * sizeof(T));
  }
  const std::vector<char> &data() const { return Buffer; }
  void clear() { Buffer.clear(); }

private:
  std::vector<char> Buffer;
};

/// The bytes the other side reads, in the order they were written. What it
/// hands out lives until the call returns.
class CrossingReader {
public:
  CrossingReader(const char *Data, std::size_t Size)
      : At(Data), End(Data + Size) {}

  /// False once a read asked for more than was sent; everything read after
  /// that is zeros.
  bool ok() const { return Good; }

  void bytes(void *Out, std::size_t Size) {
    if (Size > std::size_t(End - At)) {
      Good = false;
      std::memset(Out, 0, Size);
      At = End;
      return;
    }
    std::memcpy(Out, At, Size);
    At += Size;
  }
  template <typename T> void value(T &V) {
    static_assert(std::is_trivially_copyable<T>::value,
                  "only trivially copyable values are copied byte for byte");
    bytes(&V, sizeof(T));
  }
  /// An array written with CrossingWriter::array, kept in storage owned by
  /// this reader; \p N must be the length the writer was given.
  template <typename T> const T *array(std::size_t N) {
    std::size_t Sent = 0;
    value(Sent);
    if (Sent != N || N > std::size_t(End - At) / sizeof(T)) {
      Good = false;
      return nullptr;
    }
    if (!N)
      return nullptr;
    Kept.emplace_back(N * sizeof(T) + alignof(T));
    std::vector<char> &Store = Kept.back();
    void *P = Store.data();
    std::size_t Space = Store.size();
    P = std::align(alignof(T), N * sizeof(T), P, Space);
    bytes(P, N * sizeof(T));
    return static_cast<const T *>(P);
  }

private:
  const char *At, *End;
  bool Good = true;
  std::vector<std::vector<char>> Kept;
};

/// Specialize for a type that holds pointers: `write` sends what the
/// evolved function may read through them, `read` rebuilds the value on the
/// other side. The primary template is never defined.
template <typename T> struct Crossing;

namespace crossing_detail {
template <typename T, typename = void> struct Custom : std::false_type {};
template <typename T>
struct Custom<T, decltype((void)Crossing<T>::write, (void)Crossing<T>::read)>
    : std::true_type {};
} // namespace crossing_detail

} // namespace adrs

#endif
