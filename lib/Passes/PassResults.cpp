//===- PassResults.cpp - Pass results as data -----------------------------===//
//
// Pass results travel from the child that parsed a candidate to the process
// that records it. That child goes on to run the candidate, so whatever it
// sends is read as hostile: shapes are checked and sizes capped here, in the
// receiver.
//
//===----------------------------------------------------------------------===//

#include "adrs/Passes/Pass.h"

#include "llvm/ADT/StringRef.h"

using namespace llvm;

namespace adrs {
namespace passes {

namespace {

// Far above what a real program produces, far below what would hurt.
constexpr size_t MaxEntries = 10'000;
constexpr size_t MaxText = 1 << 20; ///< A transformed region, a message.

Error malformed(const Twine &What) {
  return createStringError(inconvertibleErrorCode(),
                           "malformed pass results: " + What);
}

Expected<std::string> text(const json::Object &O, StringRef Key) {
  const json::Value *V = O.get(Key);
  if (!V)
    return std::string();
  std::optional<StringRef> S = V->getAsString();
  if (!S)
    return malformed("'" + Key + "' is not a string");
  return S->take_front(MaxText).str();
}

template <typename T> Expected<T> number(const json::Object &O, StringRef Key) {
  const json::Value *V = O.get(Key);
  if (!V)
    return T(0);
  std::optional<double> D = V->getAsNumber();
  if (!D)
    return malformed("'" + Key + "' is not a number");
  if constexpr (std::is_integral_v<T>) {
    if (!(*D >= 0 && *D < 4294967296.0))
      return malformed("'" + Key + "' is out of range");
  }
  return T(*D);
}

} // namespace

json::Value toJSON(const PassResults &P) {
  json::Array Rejections;
  for (const PassRejection &R : P.Rejections)
    Rejections.push_back(json::Object{{"pass", R.Pass},
                                      {"region", R.Region},
                                      {"line", R.Line},
                                      {"column", R.Column},
                                      {"region_line", R.RegionLine},
                                      {"message", R.Message}});
  json::Object Features, Fingerprints, Transformed;
  for (const auto &[K, V] : P.Features)
    Features[K] = V;
  for (const auto &[K, V] : P.Fingerprints)
    Fingerprints[K] = V;
  for (const auto &[K, V] : P.Transformed)
    Transformed[K] = V;
  json::Array Constants;
  for (const LiftedConstant &C : P.Constants)
    Constants.push_back(json::Object{{"region", C.Region},
                                     {"index", C.Index},
                                     {"spelling", C.Spelling},
                                     {"value", C.Value},
                                     {"integer", C.IsInteger},
                                     {"lower", C.Lower},
                                     {"upper", C.Upper},
                                     {"line", C.Line}});
  return json::Object{{"rejections", std::move(Rejections)},
                      {"features", std::move(Features)},
                      {"fingerprints", std::move(Fingerprints)},
                      {"transformed", std::move(Transformed)},
                      {"constants", std::move(Constants)}};
}

Expected<PassResults> passResultsFromJSON(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return malformed("not an object");
  PassResults P;
  auto Size = [](size_t N) { return N > MaxEntries; };
  if (const json::Value *A = O->get("rejections")) {
    const json::Array *Rs = A->getAsArray();
    if (!Rs || Size(Rs->size()))
      return malformed("'rejections' is not a list of a sane size");
    for (const json::Value &E : *Rs) {
      const json::Object *R = E.getAsObject();
      if (!R)
        return malformed("a rejection is not an object");
      PassRejection X;
      for (auto [Field, Key] :
           {std::pair{&X.Pass, "pass"}, std::pair{&X.Region, "region"},
            std::pair{&X.Message, "message"}}) {
        Expected<std::string> T = text(*R, Key);
        if (!T)
          return T.takeError();
        *Field = std::move(*T);
      }
      Expected<unsigned> Line = number<unsigned>(*R, "line");
      Expected<unsigned> Column = number<unsigned>(*R, "column");
      if (!Line)
        return Line.takeError();
      if (!Column)
        return Column.takeError();
      X.Line = *Line;
      X.Column = *Column;
      // Optional: results written before regions counted their own lines.
      if (R->get("region_line")) {
        Expected<unsigned> RegionLine = number<unsigned>(*R, "region_line");
        if (!RegionLine)
          return RegionLine.takeError();
        X.RegionLine = *RegionLine;
      }
      P.Rejections.push_back(std::move(X));
    }
  }
  auto Map = [&](StringRef Key, auto &&Each) -> Error {
    const json::Value *M = O->get(Key);
    if (!M)
      return Error::success();
    const json::Object *Entries = M->getAsObject();
    if (!Entries || Size(Entries->size()))
      return malformed("'" + Key + "' is not a map of a sane size");
    for (const auto &[K, E] : *Entries)
      if (Error Err = Each(StringRef(K).take_front(MaxText).str(), E))
        return Err;
    return Error::success();
  };
  if (Error E =
          Map("features", [&](std::string K, const json::Value &X) -> Error {
            std::optional<double> D = X.getAsNumber();
            if (!D)
              return malformed("feature '" + K + "' is not a number");
            P.Features[K] = *D;
            return Error::success();
          }))
    return std::move(E);
  for (auto [Key, Out] : {std::pair{"fingerprints", &P.Fingerprints},
                          std::pair{"transformed", &P.Transformed}})
    if (Error E = Map(Key,
                      [&, Key = Key, Out = Out](std::string K,
                                                const json::Value &X) -> Error {
                        std::optional<StringRef> S = X.getAsString();
                        if (!S)
                          return malformed(std::string(Key) + " of '" + K +
                                           "' is not a string");
                        (*Out)[K] = S->take_front(MaxText).str();
                        return Error::success();
                      }))
      return std::move(E);
  if (const json::Value *A = O->get("constants")) {
    const json::Array *Cs = A->getAsArray();
    if (!Cs || Size(Cs->size()))
      return malformed("'constants' is not a list of a sane size");
    for (const json::Value &E : *Cs) {
      const json::Object *C = E.getAsObject();
      if (!C)
        return malformed("a constant is not an object");
      LiftedConstant L;
      for (auto [Field, Key] : {std::pair{&L.Region, "region"},
                                std::pair{&L.Spelling, "spelling"}}) {
        Expected<std::string> T = text(*C, Key);
        if (!T)
          return T.takeError();
        *Field = std::move(*T);
      }
      for (auto [Field, Key] :
           {std::pair{&L.Index, "index"}, std::pair{&L.Line, "line"}}) {
        Expected<unsigned> N = number<unsigned>(*C, Key);
        if (!N)
          return N.takeError();
        *Field = *N;
      }
      for (auto [Field, Key] :
           {std::pair{&L.Value, "value"}, std::pair{&L.Lower, "lower"},
            std::pair{&L.Upper, "upper"}}) {
        Expected<double> N = number<double>(*C, Key);
        if (!N)
          return N.takeError();
        *Field = *N;
      }
      L.IsInteger = C->getBoolean("integer").value_or(false);
      P.Constants.push_back(std::move(L));
    }
  }
  return std::move(P);
}

} // namespace passes
} // namespace adrs
