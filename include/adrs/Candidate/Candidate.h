//===- adrs/Candidate/Candidate.h - From a reply to a candidate -*- C++ -*-===//
//
// The front half of the one road every candidate takes, whoever wrote it (a
// model, the built-in generator, a person with `adrsc patch`): the reply is
// read, its edits are applied to the parent's regions and nowhere else, and
// the result is a prepared candidate -- its program, its files and where its
// regions now are -- or a refusal that says, line by line of the reply, why.
// The back half (parse, passes, compile, run) takes a prepared candidate:
// passes::CandidateChecker for `adrsc patch`, eval::Evaluator for the rest.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_CANDIDATE_CANDIDATE_H
#define ADRS_CANDIDATE_CANDIDATE_H

#include "adrs/Core/Program.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Regions/Region.h"
#include "adrs/Regions/SourceParser.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace adrs {
namespace candidate {

/// A program laid out as files: the baseline's files with the program's
/// region texts in place, and the regions at their new positions.
struct Materialized {
  /// Every file that holds a region, with the program's texts.
  std::map<std::string, std::string> Files;
  std::vector<regions::Region> Regions;
  /// The files that differ from the baseline's (what a compile overrides).
  regions::FileOverrides Overrides;
};

/// The baseline: the regions as found and the files that hold them, read
/// once. Every program of a run is laid out from it.
class Sources {
public:
  /// Reads every file that holds one of \p Regions.
  static llvm::Expected<Sources> read(std::vector<regions::Region> Regions);
  /// The baseline as recorded (a run's snapshot), not as on disk now.
  /// \p Files must hold every file with a region.
  static llvm::Expected<Sources>
  fromTexts(std::vector<regions::Region> Regions,
            std::map<std::string, std::string> Files);

  const std::vector<regions::Region> &regions() const { return Regions; }
  /// File -> the baseline's text, for every file with a region.
  const std::map<std::string, std::string> &files() const { return Files; }
  /// The baseline's program: each region's text as found.
  Program baseline() const;
  /// \p P laid out as files; a region \p P does not name keeps the
  /// baseline's text.
  Materialized materialize(const Program &P) const;
  /// The program that whole files \p Files stand for (a reference
  /// implementation that replaces a region's file): each region's text
  /// between the markers of the same name in its replaced file; a region
  /// whose file is not replaced keeps the baseline's text. An error when a
  /// replaced file lacks a region's markers.
  llvm::Expected<Program> programIn(const regions::FileOverrides &Files) const;

private:
  std::vector<regions::Region> Regions;
  std::map<std::string, std::string> Files;
};

/// The files a reference implementation (a spec's `baseline`) replaces,
/// read from disk: each of its files takes the place of the file with a
/// region, or the translation unit compiling one, of the same name; a
/// reference of one file, when the regions are all in one unit, takes the
/// place of that unit whatever its name. An error says which file matches
/// nothing and what it could have replaced.
llvm::Expected<regions::FileOverrides>
referenceFiles(const spec::Baseline &Reference,
               const std::vector<regions::Region> &Regions);

/// A reply that could not be applied, with every reason and where in the
/// reply it applies (line 0: the reply as a whole).
class EditRefused : public llvm::ErrorInfo<EditRefused> {
public:
  static char ID;
  EditRefused(std::vector<patch::Rejection> Rejections, bool Unreadable)
      : Rejections(std::move(Rejections)), Unreadable(Unreadable) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  /// One line per reason; an unreadable reply's reasons say at which line.
  std::string reason(const patch::Rejection &R) const;

  std::vector<patch::Rejection> Rejections;
  /// The reply held no edit that could be read (as opposed to edits that
  /// could not be applied).
  bool Unreadable = false;
};

/// A candidate ready for the back half of the road.
struct Prepared {
  Program Child;
  /// The regions whose text the edit changed.
  std::vector<std::string> Changed;
  Materialized Layout;
};

/// Reads \p Reply and applies it to \p Parent: a prepared candidate, or an
/// EditRefused. Replies are SEARCH/REPLACE blocks or fenced rewrites, with
/// any prose around them (see patch::parseEdit).
llvm::Expected<Prepared> prepare(const Sources &S, llvm::StringRef Reply,
                                 const Program &Parent);

/// The first reason of a refusal, for a log or a database row; other
/// errors as their message.
std::string refusalReason(llvm::Error E);

} // namespace candidate
} // namespace adrs

#endif
