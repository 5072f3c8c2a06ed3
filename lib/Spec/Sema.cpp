//===- Sema.cpp - Checking a spec and resolving it ------------------------===//
//
// Turns the syntax of a spec into a Spec: resolves paths and globs, checks
// names, units and ranges, and fills in defaults. It reports every problem
// it finds rather than stopping at the first, the way a compiler does.
//
//===----------------------------------------------------------------------===//

#include "Syntax.h"

#include "adrs/Spec/CandidateLanguage.h"
#include "adrs/Spec/SpecLoader.h"
#include "adrs/Support/Glob.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <functional>
#include <map>

using namespace llvm;

namespace adrs {
namespace spec {

using syntax::Setting;
using syntax::SpecSyntax;
using syntax::Statement;
using syntax::StmtKind;
using syntax::Value;

namespace {

const char *const StrategyNames[] = {"islands", "greedy", "feedback", "tree",
                                     "random"};
const char *const GeneratorNames[] = {"builtin", "llm", "command"};
const char *const ExecutorNames[] = {"local", "slurm"};
const char *const ForbidKinds[] = {"calls", "includes", "asm",
                                   "goto",  "threads",  "static"};
const char *const AllowKinds[] = {"calls", "headers", "namespaces"};
const char *const BuiltinOperators[] = {"constant", "operator",  "negate",
                                        "delete",   "duplicate", "swap",
                                        "move",     "crossover"};
const char *const LanguageStandards[] = {
    "c++11",   "c++14",   "c++17",   "c++20",   "c++2b",   "c++23",
    "gnu++11", "gnu++14", "gnu++17", "gnu++20", "gnu++2b", "gnu++23"};

/// Provider keys have recognisable prefixes; anything else long, mixed and
/// unbroken is treated as a key too, since a false alarm costs a rename and a
/// miss leaks a secret into a repository.
bool looksLikeApiKey(StringRef T) {
  for (StringRef Prefix : {"sk-", "sk_", "Bearer ", "AIza", "xai-", "gsk_"})
    if (T.startswith(Prefix))
      return true;
  if (T.size() < 32 || T.find_first_of(" /:.") != StringRef::npos)
    return false;
  unsigned Digits = count_if(T, isDigit),
           Lower = count_if(T, [](char C) { return C >= 'a' && C <= 'z'; });
  return Digits >= 4 && Lower >= 4;
}

std::vector<std::string> toStrings(ArrayRef<const char *> Words) {
  return std::vector<std::string>(Words.begin(), Words.end());
}

struct UnitScale {
  const char *Unit;
  double Scale;
};

const UnitScale DurationUnits[] = {{"ms", 1e-3}, {"s", 1},    {"sec", 1},
                                   {"m", 60},    {"min", 60}, {"h", 3600},
                                   {"d", 86400}};
const UnitScale SizeUnits[] = {
    {"B", 1},        {"KB", 1e3},        {"MB", 1e6},          {"GB", 1e9},
    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};

/// What a number in some position means, for messages.
enum class Quantity { Count, Number, Percent, Duration, Size, Money };

StringRef describe(Quantity Q) {
  switch (Q) {
  case Quantity::Count:
    return "a whole number";
  case Quantity::Number:
    return "a number";
  case Quantity::Percent:
    return "a percentage such as 30%";
  case Quantity::Duration:
    return "a duration such as 500ms, 2s, 10m or 5h";
  case Quantity::Size:
    return "a size such as 512MB or 2GiB";
  case Quantity::Money:
    return "an amount such as $20";
  }
  return "a value";
}

class Sema {
public:
  Sema(DiagnosticEngine &Diags, StringRef BaseDir, const LoadOptions &Options,
       Spec &Out)
      : Diags(Diags), BaseDir(BaseDir), Options(Options), Out(Out) {}

  void run(const SpecSyntax &Syntax);

private:
  // ---- Reporting ----------------------------------------------------------

  SpecLoc specLoc(SMLoc Loc) const {
    if (!Loc.isValid())
      return {};
    // The engine's line index: SourceMgr's own lookup costs the column.
    auto LineCol = Diags.getLineAndColumn(Loc);
    return {LineCol.first, LineCol.second};
  }

  void error(const Value &V, const Twine &Message) {
    Diags.error(V.loc(), Message, V.Range);
  }
  void warning(const Value &V, const Twine &Message) {
    Diags.warning(V.loc(), Message, V.Range);
  }

  /// An unknown word with a suggestion and a fix-it replacing it.
  void unknown(const Value &V, const Twine &What,
               ArrayRef<std::string> Candidates, const Twine &Extra = "") {
    std::optional<std::string> Match = closestMatch(V.Text, Candidates);
    if (Match) {
      SMFixIt Fix(V.Range, *Match);
      Diags.error(V.loc(),
                  What + " '" + V.Text + "'; did you mean '" + *Match + "'?",
                  V.Range, Fix);
    } else {
      Diags.error(V.loc(), What + " '" + V.Text + "'" + Extra, V.Range);
    }
  }

  /// A second declaration of something that may appear once.
  bool checkDuplicate(std::map<std::string, SMRange> &Seen,
                      const std::string &Key, const Value &At,
                      const Twine &Message, const Twine &NoteMessage) {
    auto [It, Inserted] = Seen.emplace(Key, At.Range);
    if (Inserted)
      return false;
    error(At, Message);
    Diags.note(It->second.Start, NoteMessage, It->second);
    return true;
  }

  // ---- Values -------------------------------------------------------------

  std::optional<std::string> text(const Value &V) {
    if (V.K != Value::Kind::String) {
      error(V,
            "expected a string in double quotes, found '" + V.Spelling + "'");
      return std::nullopt;
    }
    if (V.Unterminated) {
      error(V, V.IsTripleQuoted ? "unterminated \"\"\" text"
                                : "unterminated string");
      return std::nullopt;
    }
    return V.Text;
  }

  std::optional<double> quantity(const Value &V, Quantity Q, StringRef Key,
                                 bool AllowNegative = false) {
    auto Fail = [&](const Twine &Why) -> std::optional<double> {
      error(V, "'" + Key + "' expects " + describe(Q) + Why);
      return std::nullopt;
    };
    if (!V.isNumeric())
      return Fail(", found '" + V.Spelling + "'");
    if (!std::isfinite(V.Number))
      return Fail("; '" + V.Spelling + "' is out of range");

    auto Scaled = [&](ArrayRef<UnitScale> Units) -> std::optional<double> {
      if (V.K == Value::Kind::Number) {
        std::string Units1 = Units[1].Unit;
        error(V, "'" + Key + "' needs a unit: '" + V.Spelling + Units1 +
                     "', for example");
        return std::nullopt;
      }
      if (V.K != Value::Kind::Quantity)
        return Fail(", found '" + V.Spelling + "'");
      for (const UnitScale &U : Units)
        if (V.Unit == U.Unit)
          return V.Number * U.Scale;
      std::vector<std::string> Names;
      for (const UnitScale &U : Units)
        Names.push_back(U.Unit);
      std::optional<std::string> Match = closestMatch(V.Unit, Names);
      std::string List = join(Names, ", ");
      error(V, "unknown unit '" + V.Unit + "' for '" + Key + "'" +
                   (Match ? "; did you mean '" + *Match + "'?"
                          : "; expected one of " + List));
      return std::nullopt;
    };

    std::optional<double> Result;
    switch (Q) {
    case Quantity::Count:
    case Quantity::Number:
      if (V.K != Value::Kind::Number)
        return Fail(", found '" + V.Spelling + "'");
      if (Q == Quantity::Count && V.Number != std::floor(V.Number))
        return Fail(", found '" + V.Spelling + "'");
      Result = V.Number;
      break;
    case Quantity::Percent:
      if (V.K == Value::Kind::Quantity && V.Unit == "%") {
        Result = V.Number / 100;
      } else if (V.K == Value::Kind::Number && V.Number >= 0 && V.Number <= 1) {
        Result = V.Number; // a fraction
      } else {
        return Fail(", found '" + V.Spelling + "'");
      }
      if (*Result > 1) {
        error(V, "percentage " + V.Spelling + " is above 100%");
        return std::nullopt;
      }
      break;
    case Quantity::Duration:
      Result = Scaled(DurationUnits);
      break;
    case Quantity::Size:
      Result = Scaled(SizeUnits);
      // Sizes become 64-bit byte counts; beyond 1 EB the conversion would
      // not be defined.
      if (Result && *Result > 1e18) {
        error(V, "'" + Key + "' of " + V.Spelling + " is out of range");
        return std::nullopt;
      }
      break;
    case Quantity::Money:
      if (V.K == Value::Kind::Money || V.K == Value::Kind::Number)
        Result = V.Number;
      else
        return Fail(", found '" + V.Spelling + "'");
      break;
    }
    if (Result && *Result < 0 && !AllowNegative) {
      error(V, "'" + Key + "' cannot be negative");
      return std::nullopt;
    }
    return Result;
  }

  /// A positive whole number no larger than \p Max.
  std::optional<uint64_t> count(const Value &V, StringRef Key, uint64_t Min,
                                uint64_t Max) {
    std::optional<double> N = quantity(V, Quantity::Count, Key);
    if (!N)
      return std::nullopt;
    if (*N < Min || *N > Max) {
      error(V, "'" + Key + "' must be between " + Twine(Min) + " and " +
                   Twine(Max) + ", found " + V.Spelling);
      return std::nullopt;
    }
    return uint64_t(*N);
  }

  std::optional<double> positiveDuration(const Value &V, StringRef Key) {
    std::optional<double> D = quantity(V, Quantity::Duration, Key);
    if (D && *D == 0) {
      error(V, "'" + Key + "' must be longer than zero");
      return std::nullopt;
    }
    return D;
  }

  std::optional<std::string> word(const Value &V, StringRef Key) {
    if (V.K != Value::Kind::Word) {
      error(V, "'" + Key + "' expects a name, found '" + V.Spelling + "'");
      return std::nullopt;
    }
    return V.Text;
  }

  // ---- Settings -----------------------------------------------------------

  using Handler = std::function<void(const Setting &)>;
  struct SettingRule {
    StringRef Key;
    Handler Handle;
  };

  /// Dispatches settings on their key; an unknown key gets a suggestion
  /// from the keys valid here.
  void applySettings(const std::vector<Setting> &Settings,
                     ArrayRef<SettingRule> Rules, StringRef Context) {
    std::map<std::string, SMRange> Seen;
    std::vector<std::string> Keys;
    for (const SettingRule &R : Rules)
      Keys.push_back(R.Key.str());
    for (const Setting &S : Settings) {
      // A setting the parser could not read (`budget` with nothing after
      // it) has been reported already; its "key" is then the next token,
      // often the newline, and is not worth a second error.
      if (S.Key.Text.empty() ||
          !(isAlpha(S.Key.Text[0]) || S.Key.Text[0] == '_'))
        continue;
      const SettingRule *Rule = nullptr;
      for (const SettingRule &R : Rules)
        if (R.Key == S.Key.Text)
          Rule = &R;
      if (!Rule) {
        unknown(S.Key, "unknown " + Context + " setting", Keys,
                "; expected one of " + join(Keys, ", "));
        continue;
      }
      if (S.Key.Text != "model" && S.Key.Text != "prompt" &&
          checkDuplicate(Seen, S.Key.Text, S.Key,
                         "'" + S.Key.Text + "' is set twice", "first set here"))
        continue;
      Rule->Handle(S);
    }
  }

  /// Checks the number of values; extra values most often mean a missing
  /// comma between two settings.
  bool arity(const Setting &S, size_t Min, size_t Max, StringRef Form) {
    if (S.Values.size() < Min) {
      Diags.error(S.Key.Range.End,
                  "'" + S.Key.Text + "' needs a value: " + Form, S.Key.Range);
      return false;
    }
    if (S.Values.size() > Max) {
      const Value &Extra = S.Values[Max];
      // `time 10 min`: a unit set apart from its number, not a new setting.
      auto IsUnit = [&](ArrayRef<UnitScale> Units) {
        return any_of(Units,
                      [&](const UnitScale &U) { return Extra.Text == U.Unit; });
      };
      if (Max > 0 && S.Values[Max - 1].K == Value::Kind::Number &&
          Extra.K == Value::Kind::Word &&
          (IsUnit(DurationUnits) || IsUnit(SizeUnits))) {
        error(Extra, "write the unit next to the number: '" +
                         S.Values[Max - 1].Spelling + Extra.Text + "'");
        return false;
      }
      error(Extra, "unexpected '" + Extra.Spelling + "' after '" + S.Key.Text +
                       "'; expected: " + Form +
                       " (separate settings with ',')");
      return false;
    }
    return true;
  }

  /// `key value` pairs after the leading values of a setting, as in
  /// `migrate every 25 rate 10%` or `model "o3" weight 0.2`.
  using OptionHandler = std::function<void(const Value &Key, const Value &V)>;
  void options(const Setting &S, size_t Start,
               ArrayRef<std::pair<StringRef, OptionHandler>> Handlers) {
    std::vector<std::string> Keys;
    for (auto &H : Handlers)
      Keys.push_back(H.first.str());
    std::map<std::string, SMRange> Seen;
    for (size_t I = Start; I < S.Values.size(); I += 2) {
      const Value &Key = S.Values[I];
      const OptionHandler *Handle = nullptr;
      for (auto &H : Handlers)
        if (Key.K == Value::Kind::Word && H.first == Key.Text)
          Handle = &H.second;
      if (!Handle) {
        unknown(Key, "unknown option of '" + S.Key.Text + "':", Keys,
                "; expected one of " + join(Keys, ", "));
        return;
      }
      if (I + 1 >= S.Values.size()) {
        Diags.error(Key.Range.End, "'" + Key.Text + "' needs a value",
                    Key.Range);
        return;
      }
      if (checkDuplicate(Seen, Key.Text, Key, "'" + Key.Text + "' is set twice",
                         "first set here"))
        continue;
      (*Handle)(Key, S.Values[I + 1]);
    }
  }

  // ---- Statements ---------------------------------------------------------

  bool once(const Statement &S) {
    static const StmtKind Singletons[] = {
        StmtKind::Describe, StmtKind::Hints,     StmtKind::Std,
        StmtKind::Compdb,   StmtKind::Score,     StmtKind::Limits,
        StmtKind::Repeats,  StmtKind::Generator, StmtKind::Search,
        StmtKind::Seed,     StmtKind::Budget,    StmtKind::Executor};
    StmtKind K =
        S.Kind == StmtKind::EvaluatorCommand ? StmtKind::Evaluator : S.Kind;
    if (K != StmtKind::Evaluator && !is_contained(Singletons, K))
      return true;
    return !checkDuplicate(SingletonSeen, std::to_string(int(K)), S.Keyword,
                           "duplicate '" + S.Keyword.Text + "' statement",
                           "previous '" + S.Keyword.Text + "' is here");
  }

  void declare(const Statement &S);
  void resolveReferences(const Statement &S);
  void finish(const SpecSyntax &Syntax);

  std::vector<std::string> files(const std::vector<Value> &Patterns,
                                 StringRef What, bool AllowGlob = true);
  std::optional<std::string> directory(const Value &V);

  void limits(const Statement &S);
  void budget(const Statement &S);
  void generator(const Statement &S);
  void executor(const Statement &S);
  void search(const Statement &S);
  void forbid(const Statement &S);
  void allow(const Statement &S);
  void workloads(const Statement &S);
  void stage(const Statement &S);

  /// \p ScoreIsKnown: `score` names the candidate's score even without a
  /// `score =` statement (in `verify`, where the score is always computed).
  bool checkExpr(const ExprPtr &E, bool WantCondition, StringRef Where,
                 bool ScoreIsKnown = false);
  bool checkMetricName(const std::string &Name, SMRange Range,
                       bool ScoreIsKnown = false);
  std::vector<std::string> metricNames(bool ScoreIsKnown = false) const;

  DiagnosticEngine &Diags;
  std::string BaseDir;
  const LoadOptions &Options;
  Spec &Out;

  std::map<std::string, SMRange> SingletonSeen;
  std::map<std::string, SMRange> RegionNames;
  std::map<std::string, SMRange> WorkloadNames;
  std::map<std::string, SMRange> BaselineNames;
  std::map<std::string, SMRange> MetricNames;
  std::map<std::string, SMRange> StageNames;
  std::map<std::string, SMRange> ObjectiveMetrics;
  std::optional<SMRange> ScoreExprRange;
  std::optional<SMRange> FirstMetricsStmt;
  std::optional<SMRange> FirstTestSet;
  bool SawEvaluator = false;
  // An evolve or objective statement that failed its own checks has been
  // reported; "nothing to evolve" or "no objective" on top would be noise.
  bool SawEvolve = false;
  bool SawObjective = false;
  // Where the settings that whole-spec warnings are about were written.
  std::optional<SMRange> LimitTimeAt, BudgetTimeAt, CostAt, TuneAt, StartAt;
};

// ---- Files -----------------------------------------------------------------

std::vector<std::string> Sema::files(const std::vector<Value> &Patterns,
                                     StringRef What, bool AllowGlob) {
  std::vector<std::string> Result;
  for (const Value &V : Patterns) {
    std::optional<std::string> Pattern = text(V);
    if (!Pattern)
      continue;
    if (Pattern->empty()) {
      error(V, "empty path");
      continue;
    }
    if (!AllowGlob && isGlobPattern(*Pattern)) {
      error(V, What + " names a single file; '" + *Pattern + "' is a pattern");
      continue;
    }
    if (!Options.CheckFiles) {
      Result.push_back(makeAbsolute(*Pattern, BaseDir));
      continue;
    }
    Expected<std::vector<std::string>> Matches = expandGlob(*Pattern, BaseDir);
    if (!Matches) {
      error(V, toString(Matches.takeError()));
      continue;
    }
    if (Matches->empty()) {
      std::string Absolute = makeAbsolute(*Pattern, BaseDir);
      if (isGlobPattern(*Pattern))
        error(V, "pattern '" + *Pattern + "' matches no file");
      else if (sys::fs::is_directory(Absolute) && !AllowGlob)
        // Suggesting a pattern here would only earn the "is a pattern" error.
        error(V, "'" + *Pattern + "' is a directory; " + What +
                     " names a single file");
      else if (sys::fs::is_directory(Absolute))
        // Workloads are data files of any extension, links are objects;
        // the rest is C++.
        error(V, "'" + *Pattern + "' is a directory; " + What +
                     " names files (use a pattern such as '" + *Pattern +
                     (What == "'workloads'" ? "/*"
                      : What == "'link'"    ? "/*.o"
                                            : "/*.cpp") +
                     "')");
      else
        error(V, "no such file: '" + *Pattern + "'");
      Diags.note(V.loc(), "relative paths start at the spec's directory, '" +
                              BaseDir + "'");
      continue;
    }
    for (std::string &M : *Matches)
      if (!is_contained(Result, M))
        Result.push_back(std::move(M));
  }
  return Result;
}

std::optional<std::string> Sema::directory(const Value &V) {
  std::optional<std::string> Path = text(V);
  if (!Path)
    return std::nullopt;
  std::string Absolute = makeAbsolute(*Path, BaseDir);
  if (Options.CheckFiles && !sys::fs::is_directory(Absolute)) {
    bool Exists = sys::fs::exists(Absolute);
    error(V, Exists ? "include path '" + *Path + "' is not a directory"
                    : "no such directory: '" + *Path + "'");
    // As for files: say where a relative path was looked for.
    if (!Exists && !sys::path::is_absolute(*Path))
      Diags.note(V.loc(), "relative paths start at the spec's directory, '" +
                              BaseDir + "'");
    return std::nullopt;
  }
  return Absolute;
}

// ---- Declarations ----------------------------------------------------------

void Sema::declare(const Statement &S) {
  if (!once(S))
    return;
  switch (S.Kind) {
  case StmtKind::Describe:
  case StmtKind::Hints:
    if (!S.Strings.empty())
      if (std::optional<std::string> T = text(S.Strings[0]))
        (S.Kind == StmtKind::Describe ? Out.Description : Out.Hints) = *T;
    return;

  case StmtKind::Sources: {
    for (const Value &V : S.Strings)
      if (V.K == Value::Kind::String && !V.Unterminated)
        Out.Build.SourcePatterns.push_back(V.Text);
    for (std::string &F : files(S.Strings, "'sources'"))
      if (!is_contained(Out.Build.Sources, F))
        Out.Build.Sources.push_back(std::move(F));
    for (const Value &V : S.Strings) {
      StringRef Ext = sys::path::extension(V.Text);
      if (!isGlobPattern(V.Text) && !Ext.empty() &&
          !is_contained(ArrayRef<StringRef>{".cpp", ".cc", ".cxx", ".c", ".C"},
                        Ext))
        warning(V, "'" + V.Text +
                       "' does not look like a C or C++ source; "
                       "headers are found through 'include'");
    }
    return;
  }

  case StmtKind::Link: {
    for (std::string &F : files(S.Strings, "'link'"))
      if (!is_contained(Out.Build.Links, F))
        Out.Build.Links.push_back(std::move(F));
    // Whether each is an object, an archive or a shared library of this
    // machine is checked when it is loaded (adrsc check, eval, run).
    for (const Value &V : S.Strings) {
      StringRef Name = sys::path::filename(V.Text);
      if (!isGlobPattern(V.Text) && !sys::path::extension(Name).empty() &&
          !(Name.endswith(".o") || Name.endswith(".a") ||
            Name.endswith(".so") || Name.contains(".so.")))
        warning(V, "'" + V.Text +
                       "' does not look like an object (.o), a static "
                       "archive (.a) or a shared library (.so)");
    }
    return;
  }

  case StmtKind::Include:
    for (const Value &V : S.Strings)
      if (std::optional<std::string> Dir = directory(V))
        Out.Build.IncludeDirs.push_back(*Dir);
    return;

  case StmtKind::Define:
    for (const syntax::Macro &M : S.Macros) {
      Define D;
      D.Name = M.Name.Text;
      if (M.Val) {
        if (M.Val->K == Value::Kind::String) {
          if (!text(*M.Val))
            continue;
          D.Value = M.Val->Spelling; // a string macro keeps its quotes
        } else {
          D.Value = M.Val->Spelling;
        }
      }
      Out.Build.Defines.push_back(std::move(D));
    }
    return;

  case StmtKind::Flags:
    for (const Value &V : S.Strings) {
      std::optional<std::string> Flag = text(V);
      if (!Flag)
        continue;
      if (!StringRef(*Flag).startswith("-")) {
        error(V, "compiler flag '" + *Flag + "' does not start with '-'");
        continue;
      }
      if (StringRef(*Flag).startswith("-std=")) {
        warning(V, "set the language standard with 'std', not a flag");
      }
      Out.Build.Flags.push_back(*Flag);
    }
    return;

  case StmtKind::Std: {
    if (!S.Name)
      return;
    std::string Std = S.Name->K == Value::Kind::String
                          ? text(*S.Name).value_or("")
                          : S.Name->Text;
    if (!is_contained(toStrings(LanguageStandards), Std)) {
      Value Shown = *S.Name;
      Shown.Text = Std;
      unknown(Shown, "unknown language standard", toStrings(LanguageStandards),
              "; expected c++17, c++20 or another of c++11..c++23");
      return;
    }
    Out.Build.Standard = Std;
    return;
  }

  case StmtKind::Compdb: {
    // `-p` on the command line takes the statement's place, and is checked
    // where the database is loaded: a wrong path here is what it overrides.
    if (S.Strings.empty() || !Options.CompilationDatabase.empty())
      return;
    const Value &V = S.Strings[0];
    std::optional<std::string> Path = text(V);
    if (!Path)
      return;
    if (Path->empty()) {
      error(V, "empty path");
      return;
    }
    std::string Absolute = makeAbsolute(*Path, BaseDir);
    if (Options.CheckFiles) {
      SmallString<256> Database(Absolute);
      sys::path::append(Database, "compile_commands.json");
      if (sys::path::filename(Absolute) == "compile_commands.json" &&
          sys::fs::is_regular_file(Absolute)) {
        error(V, "'compdb' names the build directory that holds '" + *Path +
                     "', not the file");
        return;
      }
      if (!sys::fs::is_directory(Absolute)) {
        bool Exists = sys::fs::exists(Absolute);
        error(V, Exists ? "'" + *Path +
                              "' is not a directory; 'compdb' names "
                              "the build directory that holds "
                              "compile_commands.json"
                        : "no such directory: '" + *Path + "'");
        if (!Exists && !sys::path::is_absolute(*Path))
          Diags.note(V.loc(),
                     "relative paths start at the spec's directory, '" +
                         BaseDir + "'");
        return;
      }
      if (!sys::fs::exists(Database)) {
        error(V, "no compile_commands.json in '" + *Path + "'");
        Diags.note(V.loc(), "CMake writes one when configured with "
                            "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON");
        return;
      }
    }
    Out.Build.CompilationDatabase = Absolute;
    Out.Build.CompilationDatabaseLoc = specLoc(V.loc());
    return;
  }

  case StmtKind::Evolve: {
    SawEvolve = true;
    RegionRef R;
    R.Kind = S.Modifier && S.Modifier->Text == "function" ? RegionKind::Function
                                                          : RegionKind::Block;
    R.Loc = specLoc(S.Keyword.loc());
    if (S.Name)
      R.Name = S.Name->Text;
    if (R.Kind == RegionKind::Function && R.Name.empty()) {
      Diags.error(S.Modifier->Range.End,
                  "'evolve function' needs the function's name: evolve "
                  "function NAME in \"FILE\"",
                  S.Modifier->Range);
      return;
    }
    std::vector<std::string> Files = files(S.Strings, "'evolve'", false);
    if (Files.empty())
      return;
    R.File = Files.front();
    // Unnamed blocks are told apart by their file.
    std::string Key = R.Name.empty() ? "<unnamed>:" + R.File : R.Name;
    const Value &At = S.Name ? *S.Name : S.Keyword;
    if (checkDuplicate(
            RegionNames, Key, At,
            R.Name.empty() ? "the unnamed block in this file is "
                             "already evolved"
                           : "region '" + R.Name + "' is named twice",
            R.Name.empty() ? "first evolved here" : "first named here"))
      return;
    Out.Regions.push_back(std::move(R));
    return;
  }

  case StmtKind::Evaluator: {
    SawEvaluator = true;
    Out.Evaluator.Kind = EvaluatorKind::Function;
    Out.Evaluator.Loc = specLoc(S.Keyword.loc());
    if (S.Name)
      Out.Evaluator.Function = S.Name->Text;
    Out.Evaluator.Files = files(S.Strings, "'evaluator'");
    return;
  }

  case StmtKind::EvaluatorCommand: {
    SawEvaluator = true;
    Out.Evaluator.Kind = EvaluatorKind::Command;
    Out.Evaluator.Loc = specLoc(S.Keyword.loc());
    if (!S.Strings.empty())
      if (std::optional<std::string> Command = text(S.Strings[0])) {
        if (StringRef(*Command).trim().empty())
          error(S.Strings[0], "empty evaluator command");
        Out.Evaluator.Command = *Command;
      }
    return;
  }

  case StmtKind::Baseline: {
    if (!S.Name)
      return;
    if (checkDuplicate(BaselineNames, S.Name->Text, *S.Name,
                       "baseline '" + S.Name->Text + "' is declared twice",
                       "first declared here"))
      return;
    Baseline B;
    B.Name = S.Name->Text;
    B.Loc = specLoc(S.Name->loc());
    B.Files = files(S.Strings, "'baseline'");
    Out.Baselines.push_back(std::move(B));
    return;
  }

  case StmtKind::Workloads:
    workloads(S);
    return;

  case StmtKind::Metrics:
    if (!FirstMetricsStmt)
      FirstMetricsStmt = S.Keyword.Range;
    for (const syntax::MetricDecl &M : S.Metrics) {
      if (checkDuplicate(MetricNames, M.Name.Text, M.Name,
                         "metric '" + M.Name.Text + "' is declared twice",
                         "first declared here"))
        continue;
      Metric Decl;
      Decl.Name = M.Name.Text;
      Decl.Loc = specLoc(M.Name.loc());
      if (M.Description)
        Decl.Description = text(*M.Description).value_or("");
      Out.Metrics.push_back(std::move(Decl));
    }
    return;

  case StmtKind::Score:
    ScoreExprRange = S.Keyword.Range;
    return;

  case StmtKind::Forbid:
    forbid(S);
    return;
  case StmtKind::Allow:
    allow(S);
    return;
  case StmtKind::Limits:
    limits(S);
    return;
  case StmtKind::Repeats:
    if (S.Number)
      if (std::optional<uint64_t> N = count(*S.Number, "repeats", 1, 1000))
        Out.Repeats = unsigned(*N);
    return;
  case StmtKind::Generator:
    generator(S);
    return;
  case StmtKind::Executor:
    executor(S);
    return;
  case StmtKind::Search:
    search(S);
    return;
  case StmtKind::Seed:
    if (S.Number)
      if (std::optional<uint64_t> N =
              count(*S.Number, "seed", 0, std::numeric_limits<uint32_t>::max()))
        Out.Seed = *N;
    return;
  case StmtKind::Budget:
    budget(S);
    return;

  case StmtKind::Unknown: {
    std::vector<std::string> Keywords;
    for (StringRef K : syntax::statementKeywords())
      Keywords.push_back(K.str());
    unknown(S.Keyword, "unknown statement", Keywords,
            "; a statement starts with one of: " + join(Keywords, ", "));
    return;
  }

  case StmtKind::Objective:
  case StmtKind::Require:
  case StmtKind::Verify:
  case StmtKind::Stage:
    return; // They refer to metrics and workloads: resolveReferences().
  }
}

void Sema::workloads(const Statement &S) {
  if (!S.Name)
    return;
  if (checkDuplicate(WorkloadNames, S.Name->Text, *S.Name,
                     "workloads '" + S.Name->Text + "' are declared twice",
                     "first declared here"))
    return;
  if (S.Name->Text == "train" || S.Name->Text == "test" ||
      S.Name->Text == "all") {
    error(*S.Name, "'" + S.Name->Text +
                       "' names the whole split in stages; choose another "
                       "name for this workload set");
    return;
  }
  WorkloadSet W;
  W.Name = S.Name->Text;
  W.Loc = specLoc(S.Name->loc());
  for (const Value &V : S.Strings)
    if (V.K == Value::Kind::String && !V.Unterminated)
      W.Patterns.push_back(V.Text);
  W.Files = files(S.Strings, "'workloads'");
  W.Role = WorkloadRole::Train;

  auto RoleOf = [&](const Value &V) -> std::optional<WorkloadRole> {
    if (V.Text == "train")
      return WorkloadRole::Train;
    if (V.Text == "test")
      return WorkloadRole::Test;
    unknown(V, "unknown workload role", {"train", "test"},
            "; expected 'train' or 'test'");
    return std::nullopt;
  };

  if (S.Modifier && S.Modifier->Text == "as" && S.Role) {
    std::optional<WorkloadRole> Role = RoleOf(*S.Role);
    if (!Role)
      return;
    W.Role = *Role;
  } else if (S.Modifier && S.Modifier->Text == "split" && S.Role) {
    std::optional<WorkloadRole> Side = RoleOf(*S.Role);
    if (!Side)
      return;
    std::optional<double> Share =
        S.Number ? quantity(*S.Number, Quantity::Percent, "split")
                 : std::nullopt;
    if (!Share)
      return;
    if (*Share <= 0 || *Share >= 1) {
      // 'split train 0%' sends every workload to test, not to train.
      StringRef AllTo =
          (*Share >= 1) == (*Side == WorkloadRole::Train) ? "train" : "test";
      error(*S.Number, "a split keeps some workloads on each side; use 'as " +
                           AllTo + "' for all of them");
      return;
    }
    W.Role = WorkloadRole::Split;
    W.TrainFraction = *Side == WorkloadRole::Train ? *Share : 1 - *Share;
    if (S.Seed)
      if (std::optional<uint64_t> Seed =
              count(*S.Seed, "seed", 0, std::numeric_limits<uint32_t>::max()))
        W.SplitSeed = *Seed;
  }

  // Deterministic on every platform: sorted files, then a Fisher-Yates
  // shuffle driven by splitmix64 (std::shuffle's output is not portable).
  switch (W.Role) {
  case WorkloadRole::Train:
    W.TrainFiles = W.Files;
    break;
  case WorkloadRole::Test:
    W.TestFiles = W.Files;
    break;
  case WorkloadRole::Split: {
    std::vector<std::string> Order = W.Files;
    uint64_t State = W.SplitSeed;
    auto Next = [&State] {
      uint64_t Z = (State += 0x9e3779b97f4a7c15ull);
      Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ull;
      Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebull;
      return Z ^ (Z >> 31);
    };
    for (size_t I = Order.size(); I > 1; --I)
      std::swap(Order[I - 1], Order[Next() % I]);
    size_t NumTrain = size_t(std::llround(W.TrainFraction * Order.size()));
    if (!Order.empty() && Options.CheckFiles) {
      NumTrain = std::clamp<size_t>(NumTrain, 1, Order.size());
      if (Order.size() < 2)
        warning(*S.Number, "a split of one file leaves nothing for test; "
                           "the file goes to train");
      else if (NumTrain == Order.size())
        NumTrain = Order.size() - 1;
    }
    W.TrainFiles.assign(Order.begin(), Order.begin() + NumTrain);
    W.TestFiles.assign(Order.begin() + NumTrain, Order.end());
    llvm::sort(W.TrainFiles);
    llvm::sort(W.TestFiles);
    break;
  }
  }
  if (W.Role != WorkloadRole::Train && !FirstTestSet)
    FirstTestSet = S.Name->Range;
  Out.Workloads.push_back(std::move(W));
}

void Sema::forbid(const Statement &S) {
  if (!S.Name)
    return;
  StringRef Kind = S.Name->Text;
  if (!is_contained(toStrings(ForbidKinds), Kind.str())) {
    unknown(*S.Name, "unknown kind of rule", toStrings(ForbidKinds),
            "; expected calls, includes, asm, goto, threads or static");
    return;
  }
  bool TakesList = Kind == "calls" || Kind == "includes";
  if (TakesList && S.Strings.empty()) {
    Diags.error(S.Name->Range.End,
                "'forbid " + Kind + "' needs a list: forbid " + Kind +
                    (Kind == "calls" ? " \"system\", \"fork\""
                                     : " \"<fstream>\", \"<thread>\""),
                S.Name->Range);
    return;
  }
  if (!TakesList && !S.Strings.empty()) {
    error(S.Strings[0], "'forbid " + Kind + "' takes no list");
    return;
  }
  if (!TakesList) {
    if (!is_contained(Out.Rules.ForbiddenConstructs, Kind.str()))
      Out.Rules.ForbiddenConstructs.push_back(Kind.str());
    return;
  }
  for (const Value &V : S.Strings) {
    std::optional<std::string> Item = text(V);
    if (!Item)
      continue;
    StringRef Trimmed = StringRef(*Item).trim();
    if (Trimmed.empty()) {
      error(V, "empty name in 'forbid " + Kind + "'");
      continue;
    }
    std::vector<std::string> &List = Kind == "calls"
                                         ? Out.Rules.ForbiddenCalls
                                         : Out.Rules.ForbiddenIncludes;
    std::string Entry = Trimmed.str();
    if (Kind == "includes" && !StringRef(Entry).startswith("<") &&
        !StringRef(Entry).startswith("\""))
      Entry = "<" + Entry + ">";
    if (is_contained(List, Entry)) {
      warning(V, "'" + Entry + "' is already forbidden");
      continue;
    }
    List.push_back(Entry);
  }
}

/// adrsc's own code shares the process with a candidate; no spec can hand
/// it to a region.
static bool namesAdrsc(StringRef Name) {
  StringRef Top = Name.split("::").first;
  return Top == "adrs" || Top == "llvm" || Top == "clang";
}

void Sema::allow(const Statement &S) {
  if (!S.Name)
    return;
  StringRef Kind = S.Name->Text;
  if (!is_contained(toStrings(AllowKinds), Kind.str())) {
    unknown(*S.Name, "unknown kind of rule", toStrings(AllowKinds),
            "; expected calls, headers or namespaces");
    return;
  }
  if (S.Strings.empty()) {
    Diags.error(S.Name->Range.End,
                "'allow " + Kind + "' needs a list: allow " + Kind +
                    (Kind == "calls"     ? " \"std::chrono::steady_clock::now\""
                     : Kind == "headers" ? " \"<random>\""
                                         : " \"Eigen\""),
                S.Name->Range);
    return;
  }
  std::vector<std::string> &List = Kind == "calls" ? Out.Rules.AllowedCalls
                                   : Kind == "headers"
                                       ? Out.Rules.AllowedHeaders
                                       : Out.Rules.AllowedNamespaces;
  for (const Value &V : S.Strings) {
    std::optional<std::string> Item = text(V);
    if (!Item)
      continue;
    StringRef Entry = StringRef(*Item).trim();
    if (Entry.empty()) {
      error(V, "empty name in 'allow " + Kind + "'");
      continue;
    }
    std::string Normal;
    if (Kind == "headers") {
      if (Entry.startswith("\"")) {
        error(V, "'allow headers' takes system headers, as \"<name>\"; the "
                 "project's own headers are allowed already");
        continue;
      }
      StringRef Bare = Entry;
      if (Bare.consume_front("<") && !Bare.consume_back(">")) {
        error(V, "'" + Entry + "' has no closing '>'");
        continue;
      }
      Bare = Bare.trim();
      if (Bare.empty() || Bare.find_first_of(" \t<>\"") != StringRef::npos) {
        error(V, "'" + Entry + "' is not a header name; write \"<random>\"");
        continue;
      }
      ArrayRef<StringRef> Standard = standardHeaders();
      if (!is_contained(Standard, Bare)) {
        // A header of another library is fine; a misspelt standard one
        // would silently allow nothing.
        if (std::optional<std::string> Match = closestMatch(Bare, Standard)) {
          SMFixIt Fix(V.Range, "\"<" + *Match + ">\"");
          Diags.error(V.loc(),
                      "'<" + Bare +
                          ">' is not a standard header; did you "
                          "mean '<" +
                          *Match + ">'?",
                      V.Range, Fix);
          continue;
        }
      }
      if (isDefaultAllowedHeader(Bare)) {
        warning(V, "'<" + Bare +
                       ">' is part of the candidate language "
                       "already");
        continue;
      }
      Normal = ("<" + Bare + ">").str();
    } else {
      StringRef Name = Entry;
      Name.consume_front("::");
      bool Valid = !Name.empty();
      for (char C : Name)
        if (!isAlnum(C) && C != '_' && C != ':' &&
            !(Kind == "calls" && (C == '*' || C == '?' || C == '~')))
          Valid = false;
      if (!Valid) {
        error(V, "'" + Entry + "' is not a " +
                     (Kind == "calls" ? "qualified name or a glob of one"
                                      : "namespace name") +
                     (Kind == "calls"
                          ? "; write \"std::chrono::steady_clock::now\" "
                            "or \"std::chrono::*\""
                          : "; write \"Eigen\""));
        continue;
      }
      if (Name.find_first_not_of("*?:") == StringRef::npos) {
        error(V, "'" + Entry +
                     "' would allow everything; name what the "
                     "regions need");
        continue;
      }
      if (namesAdrsc(Name)) {
        error(V, "'" + Entry +
                     "' is adrsc's own code, which no region may "
                     "use");
        continue;
      }
      if (Kind == "namespaces" && Name == "std")
        warning(V, "'allow namespaces \"std\"' allows all of the standard "
                   "library, I/O, files, threads and clocks included; "
                   "'allow headers' adds one header at a time");
      Normal = Name.str();
    }
    if (is_contained(List, Normal)) {
      warning(V, "'" + Normal + "' is already allowed");
      continue;
    }
    List.push_back(Normal);
  }
}

void Sema::limits(const Statement &S) {
  Limits &L = Out.Limit;
  SettingRule Rules[] = {
      {"time",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "time 2s"))
           if (auto D = positiveDuration(X.Values[0], "time")) {
             L.TimeSeconds = *D;
             LimitTimeAt = X.Values[0].Range;
           }
       }},
      {"memory",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "memory 512MB"))
           return;
         if (auto B = quantity(X.Values[0], Quantity::Size, "memory")) {
           if (*B < 16e6)
             error(X.Values[0], "'memory' below 16MB leaves no room for the "
                                "evaluator itself");
           else
             L.MemoryBytes = uint64_t(*B);
         }
       }},
      {"output",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "output 1MB"))
           if (auto B = quantity(X.Values[0], Quantity::Size, "output"))
             L.OutputBytes = uint64_t(*B);
       }},
      {"compile",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "compile 30s"))
           if (auto D = positiveDuration(X.Values[0], "compile"))
             L.CompileSeconds = *D;
       }},
      {"region",
       [&](const Setting &X) {
         if (!arity(X, 1, 2, "region 200 lines"))
           return;
         if (X.Values.size() == 2 && (X.Values[1].K != Value::Kind::Word ||
                                      X.Values[1].Text != "lines")) {
           error(X.Values[1], "expected 'lines' after the region size");
           return;
         }
         if (auto N = count(X.Values[0], "region", 1, 100000))
           Out.Rules.MaxRegionLines = unsigned(*N);
       }},
  };
  applySettings(S.Settings, Rules, "limits");
}

void Sema::budget(const Statement &S) {
  BudgetSpec &B = Out.Budget;
  SettingRule Rules[] = {
      {"iterations",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "iterations 1000"))
           if (auto N = count(X.Values[0], "iterations", 1, 100000000))
             B.Iterations = *N;
       }},
      {"time",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "time 10m"))
           if (auto D = positiveDuration(X.Values[0], "time")) {
             B.TimeSeconds = *D;
             BudgetTimeAt = X.Values[0].Range;
           }
       }},
      {"cost",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "cost $20"))
           return;
         if (auto M = quantity(X.Values[0], Quantity::Money, "cost")) {
           if (*M == 0)
             error(X.Values[0], "a budget of $0 allows no LLM call");
           else {
             B.USD = *M;
             CostAt = X.Values[0].Range;
           }
         }
       }},
      {"target",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "target 50 (a score)"))
           return;
         const Value &V = X.Values[0];
         if (V.K != Value::Kind::Number) {
           error(V, "'target' expects a score, found '" + V.Spelling + "'");
           return;
         }
         B.TargetScore = V.Number;
       }},
  };
  applySettings(S.Settings, Rules, "budget");
  if (S.Settings.empty())
    error(S.Keyword, "'budget' needs at least one of iterations, time, cost "
                     "or target");
}

void Sema::generator(const Statement &S) {
  if (!S.Name)
    return;
  GeneratorSpec &G = Out.Generator;
  G.Loc = specLoc(S.Keyword.loc());
  StringRef Kind = S.Name->Text;
  if (Kind == "builtin") {
    G.Kind = GeneratorKind::Builtin;
    SettingRule Rules[] = {
        {"operators",
         [&](const Setting &X) {
           // No commas in the example: ',' separates settings.
           if (!arity(X, 1, ~size_t(0), "operators constant negate ..."))
             return;
           for (const Value &V : X.Values) {
             if (!is_contained(toStrings(BuiltinOperators), V.Text)) {
               unknown(V, "unknown edit operator", toStrings(BuiltinOperators),
                       "; expected one of " +
                           join(toStrings(BuiltinOperators), ", "));
               continue;
             }
             G.Operators.push_back(V.Text);
           }
         }},
    };
    // `operators constant, negate` reads naturally but the comma starts a
    // new setting; say so rather than call 'negate' an unknown setting.
    std::vector<Setting> Settings;
    for (const Setting &X : S.Settings) {
      if (is_contained(toStrings(BuiltinOperators), X.Key.Text)) {
        error(X.Key, "'" + X.Key.Text +
                         "' is an edit operator; separate operators with "
                         "spaces, not commas: operators constant negate ...");
        continue;
      }
      Settings.push_back(X);
    }
    applySettings(Settings, Rules, "builtin generator");
    return;
  }
  if (Kind != "llm" && Kind != "command") {
    unknown(*S.Name, "unknown generator", toStrings(GeneratorNames),
            "; expected 'builtin', 'llm' or 'command'");
    return;
  }

  G.Kind = Kind == "llm" ? GeneratorKind::LLM : GeneratorKind::Command;
  G.Models.clear();
  std::map<std::string, SMRange> ModelNames;
  // 'prompt' may appear twice, once for each of system and user.
  std::map<std::string, SMRange> PromptKinds;
  std::map<std::string, SMRange> PricedModels;
  // What a model and a command generator share: how prompts are made and
  // sent, and how replies are fixed.
  std::vector<SettingRule> Shared = {
      {"edit",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "edit diff|rewrite"))
           return;
         const Value &V = X.Values[0];
         if (V.Text == "diff")
           G.Edit = EditMode::Diff;
         else if (V.Text == "rewrite")
           G.Edit = EditMode::Rewrite;
         else
           unknown(V, "unknown edit mode", {"diff", "rewrite"},
                   "; expected 'diff' or 'rewrite'");
       }},
      {"concurrency",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "concurrency 4"))
           if (auto N = count(X.Values[0], "concurrency", 1, 256))
             G.Concurrency = unsigned(*N);
       }},
      {"retries",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "retries 3"))
           if (auto N = count(X.Values[0], "retries", 0, 100))
             G.Retries = unsigned(*N);
       }},
      {"timeout",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "timeout 120s"))
           if (auto D = positiveDuration(X.Values[0], "timeout"))
             G.RequestTimeoutSeconds = *D;
       }},
      {"fixes",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "fixes 2"))
           if (auto N = count(X.Values[0], "fixes", 0, 10))
             G.FixAttempts = unsigned(*N);
       }},
      {"insight",
       [&](const Setting &X) {
         if (!arity(X, 2, 2, "insight every 50"))
           return;
         if (X.Values[0].Text != "every") {
           error(X.Values[0], "expected: insight every N (a scratchpad of "
                              "what the run learnt, every N candidates)");
           return;
         }
         if (auto N = count(X.Values[1], "insight", 1, 1000000))
           G.InsightEvery = unsigned(*N);
       }},
      {"prompts",
       [&](const Setting &X) {
         const char *Form = "prompts evolve every 20 variants 4";
         if (!arity(X, 3, 5, Form))
           return;
         if (X.Values[0].Text != "evolve" || X.Values[1].Text != "every") {
           error(X.Values[0], "expected: prompts evolve every M [variants K] "
                              "(a new system prompt every M candidates, at "
                              "most K in use)");
           return;
         }
         if (X.Values.size() == 4 ||
             (X.Values.size() == 5 && X.Values[3].Text != "variants")) {
           error(X.Values[3], "expected 'variants K' after 'prompts evolve "
                              "every M'");
           return;
         }
         std::optional<uint64_t> Every =
             count(X.Values[2], "prompts evolve every", 1, 1000000);
         std::optional<uint64_t> Kept = 4;
         if (X.Values.size() == 5)
           Kept = count(X.Values[4], "variants", 2, 64);
         if (Every && Kept) {
           G.PromptEvolveEvery = unsigned(*Every);
           G.PromptVariants = unsigned(*Kept);
         }
       }},
      {"context",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "context 24000"))
           if (auto N = count(X.Values[0], "context", 1000, 2000000))
             G.ContextTokens = unsigned(*N);
       }},
      {"prompt",
       [&](const Setting &X) {
         if (!arity(X, 2, 2, "prompt system|user \"FILE\""))
           return;
         const Value &Which = X.Values[0];
         if (Which.Text != "system" && Which.Text != "user") {
           unknown(Which, "unknown prompt", {"system", "user"},
                   "; expected 'system' or 'user'");
           return;
         }
         if (checkDuplicate(PromptKinds, Which.Text, Which,
                            "'prompt " + Which.Text + "' is set twice",
                            "first set here"))
           return;
         std::vector<std::string> Files =
             this->files({X.Values[1]}, "'prompt'", false);
         if (Files.empty())
           return;
         (Which.Text == "system" ? G.SystemPrompt : G.UserPrompt) = Files[0];
       }},
  };
  if (G.Kind == GeneratorKind::Command) {
    std::vector<SettingRule> Rules = Shared;
    Rules.push_back({"run", [&](const Setting &X) {
                       if (!arity(X, 1, 1, "run \"COMMAND ARGS\""))
                         return;
                       if (std::optional<std::string> C = text(X.Values[0])) {
                         if (StringRef(*C).trim().empty())
                           error(X.Values[0], "the command is empty");
                         else
                           G.Command = *C;
                       }
                     }});
    applySettings(S.Settings, Rules, "command generator");
    if (G.Command.empty())
      error(*S.Name, "the command generator needs the program to run: run "
                     "\"COMMAND ARGS\" (it reads a prompt on stdin and "
                     "writes its reply on stdout)");
    return;
  }
  std::vector<SettingRule> Rules = Shared;
  std::vector<SettingRule> ModelRules = {
      {"endpoint",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "endpoint \"https://host/v1\""))
           return;
         std::optional<std::string> URL = text(X.Values[0]);
         if (!URL)
           return;
         StringRef U = *URL;
         if (!U.startswith("http://") && !U.startswith("https://")) {
           error(X.Values[0], "endpoint must be an http:// or https:// URL");
           return;
         }
         G.Endpoint = U.rtrim("/").str();
       }},
      {"api_key",
       [&](const Setting &X) {
         if (!X.Values.empty() && X.Values[0].K == Value::Kind::String) {
           const Value &Key = X.Values[0];
           error(Key, looksLikeApiKey(Key.Text)
                          ? "this looks like an API key; a spec must never "
                            "hold one. Put the key in an environment "
                            "variable and write: api_key env VARIABLE"
                          : "API keys are never written in a spec; name the "
                            "environment variable that holds the key: "
                            "api_key env VARIABLE");
           return;
         }
         // Checked before the count, so that 'api_key OPENAI_API_KEY' is
         // told what is missing rather than that it "needs a value".
         if (!X.Values.empty() && X.Values[0].Text != "env") {
           error(X.Values[0], "expected 'env' before the variable name: "
                              "api_key env VARIABLE");
           return;
         }
         if (!arity(X, 2, 2, "api_key env VARIABLE"))
           return;
         const Value &Var = X.Values[1];
         if (Var.K != Value::Kind::Word || looksLikeApiKey(Var.Text)) {
           error(Var, looksLikeApiKey(Var.Text)
                          ? "this looks like an API key, not the name of "
                            "the environment variable that holds one"
                          : "expected an environment variable name such as "
                            "OPENAI_API_KEY");
           return;
         }
         G.ApiKeyEnv = Var.Text;
       }},
      {"model",
       [&](const Setting &X) {
         if (!arity(X, 1, 7,
                    "model \"NAME\" [weight W] [temperature T] "
                    "[reasoning low|medium|high]"))
           return;
         std::optional<std::string> Name = text(X.Values[0]);
         if (!Name)
           return;
         if (checkDuplicate(ModelNames, *Name, X.Values[0],
                            "model '" + *Name + "' is listed twice",
                            "first listed here"))
           return;
         LLMModel M;
         M.Name = *Name;
         options(
             X, 1,
             {{"weight",
               [&](const Value &, const Value &V) {
                 if (auto W = quantity(V, Quantity::Number, "weight"))
                   M.Weight = *W;
               }},
              {"reasoning",
               [&](const Value &, const Value &V) {
                 if (V.Text == "low" || V.Text == "medium" || V.Text == "high")
                   M.ReasoningEffort = V.Text;
                 else
                   unknown(V, "unknown reasoning effort",
                           {"low", "medium", "high"},
                           "; expected 'low', 'medium' or 'high'");
               }},
              {"temperature", [&](const Value &, const Value &V) {
                 if (auto T = quantity(V, Quantity::Number, "temperature")) {
                   if (*T > 2)
                     error(V, "'temperature' must be between 0 and 2");
                   else
                     M.Temperature = *T;
                   // As for the generator's own temperature below.
                   if (*T > 1.5 && *T <= 2)
                     warning(V, "a temperature above 1.5 mostly produces "
                                "code that does not compile");
                 }
               }}});
         G.Models.push_back(std::move(M));
       }},
      {"temperature",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "temperature 0.7"))
           return;
         if (auto T = quantity(X.Values[0], Quantity::Number, "temperature")) {
           if (*T > 2)
             error(X.Values[0], "'temperature' must be between 0 and 2");
           else
             G.Temperature = *T;
           if (*T > 1.5 && *T <= 2)
             warning(X.Values[0], "a temperature above 1.5 mostly produces "
                                  "code that does not compile");
         }
       }},
      {"max_tokens",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "max_tokens 4096"))
           if (auto N = count(X.Values[0], "max_tokens", 16, 1000000))
             G.MaxTokens = unsigned(*N);
       }},
      {"bandit",
       [&](const Setting &X) {
         if (!arity(X, 1, 1, "bandit on|off"))
           return;
         const Value &V = X.Values[0];
         if (V.Text == "on" || V.Text == "off")
           G.Bandit = V.Text == "on";
         else
           unknown(V, "expected 'on' or 'off'", {"on", "off"}, "");
       }},
      {"price",
       [&](const Setting &X) {
         if (!arity(X, 5, 5, "price \"MODEL\" in USD out USD"))
           return;
         std::optional<std::string> Model = text(X.Values[0]);
         if (!Model)
           return;
         if (checkDuplicate(PricedModels, *Model, X.Values[0],
                            "the price of '" + *Model + "' is set twice",
                            "first set here"))
           return;
         if (X.Values[1].Text != "in" || X.Values[3].Text != "out") {
           error(X.Values[1], "expected: price \"MODEL\" in USD out USD "
                              "(dollars per million tokens)");
           return;
         }
         auto In = quantity(X.Values[2], Quantity::Number, "price");
         auto Out = quantity(X.Values[4], Quantity::Number, "price");
         if (In && Out)
           G.Prices[*Model] = {*In, *Out};
       }},
  };
  append_range(Rules, ModelRules);
  applySettings(S.Settings, Rules, "llm generator");

  if (G.Models.empty()) {
    error(*S.Name, "the llm generator needs at least one model: model "
                   "\"NAME\" [weight W]");
    return;
  }
  double Total = 0;
  for (const LLMModel &M : G.Models)
    Total += M.Weight;
  if (Total <= 0)
    error(*S.Name, "the model weights sum to 0; at least one model must have "
                   "a positive weight");
}

/// SLURM's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
static bool isSlurmTime(StringRef T) {
  auto Digits = [](StringRef X) {
    return !X.empty() && X.size() <= 6 && all_of(X, isDigit);
  };
  auto [Days, Clock] =
      T.contains('-') ? T.split('-') : std::pair<StringRef, StringRef>{"", T};
  if (T.contains('-') && !Digits(Days))
    return false;
  SmallVector<StringRef, 3> Parts;
  Clock.split(Parts, ':');
  return Parts.size() <= 3 && all_of(Parts, Digits);
}

void Sema::executor(const Statement &S) {
  if (!S.Name)
    return;
  ExecutorSpec &X = Out.Executor;
  X.Loc = specLoc(S.Keyword.loc());
  StringRef Kind = S.Name->Text;
  if (Kind == "local") {
    X.Kind = ExecutorKind::Local;
    for (const Setting &Set : S.Settings)
      error(Set.Key, "the local executor takes no settings; '" + Set.Key.Text +
                         "' is for 'executor slurm'");
    return;
  }
  if (Kind != "slurm") {
    unknown(*S.Name, "unknown executor", toStrings(ExecutorNames),
            "; expected 'local' or 'slurm'");
    return;
  }
  X.Kind = ExecutorKind::Slurm;
  // A value srun reads as an option or a list would not mean what it says.
  auto Plain = [&](const Setting &Set,
                   StringRef Form) -> std::optional<std::string> {
    if (!arity(Set, 1, 1, Form))
      return std::nullopt;
    std::optional<std::string> T = text(Set.Values[0]);
    if (!T)
      return std::nullopt;
    if (T->empty() || StringRef(*T).startswith("-") ||
        StringRef(*T).find_first_of(" \t\n") != StringRef::npos) {
      error(Set.Values[0], "'" + Set.Key.Text +
                               "' must be one word, not empty and not "
                               "starting with '-'");
      return std::nullopt;
    }
    return T;
  };
  SettingRule Rules[] = {
      {"partition",
       [&](const Setting &Set) {
         if (auto T = Plain(Set, "partition \"NAME\""))
           X.Partition = *T;
       }},
      {"workers",
       [&](const Setting &Set) {
         if (arity(Set, 1, 1, "workers 4"))
           if (auto N = count(Set.Values[0], "workers", 1, 4096))
             X.Workers = unsigned(*N);
       }},
      {"cpus_per_worker",
       [&](const Setting &Set) {
         if (arity(Set, 1, 1, "cpus_per_worker 1"))
           if (auto N = count(Set.Values[0], "cpus_per_worker", 1, 4096))
             X.CpusPerWorker = unsigned(*N);
       }},
      {"time",
       [&](const Setting &Set) {
         auto T = Plain(Set, "time \"1:00:00\"");
         if (!T)
           return;
         if (!isSlurmTime(*T)) {
           error(Set.Values[0],
                 "'time' is a SLURM time limit: \"MINUTES\", \"M:S\", "
                 "\"H:M:S\", \"D-H\", \"D-H:M\" or \"D-H:M:S\"");
           return;
         }
         X.Time = *T;
       }},
      {"gres",
       [&](const Setting &Set) {
         if (auto T = Plain(Set, "gres \"gpu:1\""))
           X.Gres = *T;
       }},
      {"account",
       [&](const Setting &Set) {
         if (auto T = Plain(Set, "account \"NAME\""))
           X.Account = *T;
       }},
  };
  applySettings(S.Settings, Rules, "slurm executor");
}

void Sema::search(const Statement &S) {
  if (!S.Name)
    return;
  SearchSpec &R = Out.Search;
  R.Loc = specLoc(S.Keyword.loc());
  std::optional<SearchStrategy> Strategy = strategyNamed(S.Name->Text);
  if (!Strategy) {
    unknown(*S.Name, "unknown search strategy", toStrings(StrategyNames),
            "; expected one of " + join(toStrings(StrategyNames), ", "));
    return;
  }
  R.Strategy = *Strategy;
  bool IsIslands = *Strategy == SearchStrategy::Islands;
  if (S.Number) {
    if (!IsIslands)
      error(*S.Number, "only 'search islands N' takes a number");
    else if (auto N = count(*S.Number, "islands", 1, 1024))
      R.Islands = unsigned(*N);
  }

  auto OnlyFor = [&](const Setting &X, SearchStrategy Want, StringRef Name) {
    if (*Strategy != Want)
      warning(X.Key, "'" + X.Key.Text + "' has no effect with '" +
                         S.Name->Text + "' search; it applies to 'search " +
                         Name + "'");
  };
  std::optional<SMRange> ExplorationAt;
  // Applied after all settings: 'bins' may come before 'features'.
  std::optional<unsigned> Bins;
  SettingRule Rules[] = {
      {"islands",
       [&](const Setting &X) {
         OnlyFor(X, SearchStrategy::Islands, "islands");
         // 'search islands 6, islands 8' would silently keep the 8.
         if (S.Number && IsIslands) {
           error(X.Key, "'islands' is set twice");
           Diags.note(S.Number->loc(), "first set here", S.Number->Range);
           return;
         }
         if (arity(X, 1, 1, "islands 4"))
           if (auto N = count(X.Values[0], "islands", 1, 1024))
             R.Islands = unsigned(*N);
       }},
      {"migrate",
       [&](const Setting &X) {
         OnlyFor(X, SearchStrategy::Islands, "islands");
         if (!arity(X, 2, 4, "migrate every N rate P%"))
           return;
         options(X, 0,
                 {{"every",
                   [&](const Value &, const Value &V) {
                     if (auto N = count(V, "every", 1, 100000000))
                       R.MigrateEvery = unsigned(*N);
                   }},
                  {"rate", [&](const Value &, const Value &V) {
                     if (auto P = quantity(V, Quantity::Percent, "rate"))
                       R.MigrateRate = *P;
                   }}});
       }},
      {"features",
       [&](const Setting &X) {
         OnlyFor(X, SearchStrategy::Islands, "islands");
         if (!arity(X, 1, 8, "features NAME [NAME...]"))
           return;
         for (const Value &V : X.Values)
           if (std::optional<std::string> Name = word(V, "features"))
             R.Features.push_back({*Name, 10});
       }},
      {"bins",
       [&](const Setting &X) {
         OnlyFor(X, SearchStrategy::Islands, "islands");
         if (arity(X, 1, 1, "bins 10"))
           if (auto N = count(X.Values[0], "bins", 1, 1000))
             Bins = unsigned(*N);
       }},
      {"exploration",
       [&](const Setting &X) {
         ExplorationAt = X.Range;
         if (arity(X, 1, 1, "exploration 20%"))
           if (auto P = quantity(X.Values[0], Quantity::Percent, "exploration"))
             R.Exploration = *P;
       }},
      {"exploitation",
       [&](const Setting &X) {
         ExplorationAt = X.Range;
         if (arity(X, 1, 1, "exploitation 70%"))
           if (auto P =
                   quantity(X.Values[0], Quantity::Percent, "exploitation"))
             R.Exploitation = *P;
       }},
      {"archive",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "archive 100"))
           if (auto N = count(X.Values[0], "archive", 1, 1000000))
             R.ArchiveSize = unsigned(*N);
       }},
      {"inspirations",
       [&](const Setting &X) {
         if (arity(X, 1, 1, "inspirations 3"))
           if (auto N = count(X.Values[0], "inspirations", 0, 64))
             R.Inspirations = unsigned(*N);
       }},
      {"ucb",
       [&](const Setting &X) {
         OnlyFor(X, SearchStrategy::Tree, "tree");
         if (arity(X, 1, 1, "ucb 1.41"))
           if (auto C = quantity(X.Values[0], Quantity::Number, "ucb"))
             R.UCBExploration = *C;
       }},
      {"confirm",
       [&](const Setting &X) {
         if (!arity(X, 1, 3, "confirm off|bests [tolerance 1%]"))
           return;
         const Value &Which = X.Values[0];
         if (Which.Text != "off" && Which.Text != "bests") {
           unknown(Which, "unknown confirmation", {"off", "bests"},
                   "; expected 'off' or 'bests'");
           return;
         }
         Out.ConfirmBests = Which.Text == "bests";
         if (!Out.ConfirmBests && X.Values.size() > 1) {
           error(X.Values[1], "'confirm off' takes nothing more");
           return;
         }
         options(X, 1,
                 {{"tolerance", [&](const Value &, const Value &V) {
                     if (auto T = quantity(V, Quantity::Percent, "tolerance"))
                       Out.ConfirmTolerance = std::max(*T, 1e-9);
                   }}});
       }},
      {"stall",
       [&](const Setting &X) {
         if (!arity(X, 1, 2, "stall after N | stall off"))
           return;
         if (X.Values[0].Text == "off") {
           if (X.Values.size() > 1)
             error(X.Values[1], "'stall off' takes nothing more");
           R.StallAfter = 0;
           return;
         }
         options(X, 0, {{"after", [&](const Value &, const Value &V) {
                           if (auto N = count(V, "after", 10, 100000000))
                             R.StallAfter = unsigned(*N);
                         }}});
       }},
      {"bandit",
       [&](const Setting &X) {
         if (!arity(X, 1, 3, "bandit on|off [floor 20%]"))
           return;
         const Value &Which = X.Values[0];
         if (Which.Text != "on" && Which.Text != "off") {
           unknown(Which, "unknown bandit setting", {"on", "off"},
                   "; expected 'on' or 'off'");
           return;
         }
         R.Bandit = Which.Text == "on";
         if (!R.Bandit && X.Values.size() > 1) {
           error(X.Values[1], "'bandit off' takes nothing more");
           return;
         }
         options(X, 1, {{"floor", [&](const Value &, const Value &V) {
                           if (auto P = quantity(V, Quantity::Percent, "floor"))
                             R.BanditFloor = *P;
                         }}});
       }},
      {"start",
       [&](const Setting &X) {
         if (!arity(X, 2, 2, "start from baselines"))
           return;
         if (X.Values[0].Text != "from" || X.Values[1].Text != "baselines") {
           error(X.Values[0], "expected 'start from baselines'");
           return;
         }
         R.StartFromBaselines = true;
         StartAt = X.Key.Range;
       }},
      {"tune",
       [&](const Setting &X) {
         if (!arity(X, 1, 5, "tune cmaes [every N] [evaluations N]"))
           return;
         const Value &Method = X.Values[0];
         if (Method.Text != "cmaes") {
           unknown(Method, "unknown constant tuner", {"cmaes"},
                   "; the constant tuner is 'cmaes'");
           return;
         }
         R.TuneConstants = true;
         TuneAt = Method.Range;
         options(X, 1,
                 {{"every",
                   [&](const Value &, const Value &V) {
                     if (auto N = count(V, "every", 1, 100000000))
                       R.TuneEvery = unsigned(*N);
                   }},
                  {"evaluations", [&](const Value &, const Value &V) {
                     if (auto N = count(V, "evaluations", 2, 100000000))
                       R.TuneEvaluations = unsigned(*N);
                   }}});
       }},
  };
  applySettings(S.Settings, Rules, "search");
  if (Bins)
    for (FeatureDimension &F : R.Features)
      F.Bins = *Bins;
  if (ExplorationAt && R.Exploration + R.Exploitation > 1 + 1e-9)
    Diags.error(ExplorationAt->Start,
                "exploration and exploitation add up to more than 100% (" +
                    Twine(int(std::lround(R.Exploration * 100))) + "% + " +
                    Twine(int(std::lround(R.Exploitation * 100))) + "%)",
                *ExplorationAt);
}

// ---- References ------------------------------------------------------------

std::vector<std::string> Sema::metricNames(bool ScoreIsKnown) const {
  std::vector<std::string> Names;
  for (const Metric &M : Out.Metrics)
    Names.push_back(M.Name);
  if ((ScoreExprRange || ScoreIsKnown) && !is_contained(Names, "score"))
    Names.push_back("score");
  return Names;
}

bool Sema::checkMetricName(const std::string &Name, SMRange Range,
                           bool ScoreIsKnown) {
  std::vector<std::string> Known = metricNames(ScoreIsKnown);
  if (is_contained(Known, Name))
    return true;
  std::optional<std::string> Match = closestMatch(Name, Known);
  if (Match) {
    Diags.error(Range.Start,
                "unknown metric '" + Name + "'; did you mean '" + *Match + "'?",
                Range, SMFixIt(Range, *Match));
  } else {
    Diags.error(Range.Start, "unknown metric '" + Name + "'", Range);
  }
  if (FirstMetricsStmt)
    Diags.note(FirstMetricsStmt->Start,
               "metrics the evaluator reports are declared here",
               *FirstMetricsStmt);
  else
    Diags.note(Range.Start, "declare the metrics the evaluator reports: "
                            "metrics " +
                                Name + ", ...");
  return false;
}

bool Sema::checkExpr(const ExprPtr &E, bool WantCondition, StringRef Where,
                     bool ScoreIsKnown) {
  if (!E)
    return false;
  bool OK = true;
  std::vector<std::string> Reported;
  std::function<void(const Expr &)> Walk = [&](const Expr &X) {
    if (X.getKind() == Expr::Kind::Metric) {
      std::string Name = X.getName().str();
      if (is_contained(Reported, Name)) {
        OK = false;
        return;
      }
      if (!checkMetricName(Name, X.getRange(), ScoreIsKnown)) {
        Reported.push_back(Name);
        OK = false;
      }
      return;
    }
    if (X.getKind() == Expr::Kind::Call) {
      const BuiltinFunction *F = lookupBuiltinFunction(X.getName());
      if (!F) {
        std::vector<std::string> Names;
        for (const BuiltinFunction &B : builtinFunctions())
          Names.push_back(B.Name.str());
        std::optional<std::string> Match = closestMatch(X.getName(), Names);
        Diags.error(X.getRange().Start,
                    "unknown function '" + X.getName() + "'" +
                        (Match ? "; did you mean '" + *Match + "'?"
                               : "; expected one of " + join(Names, ", ")),
                    X.getRange());
        OK = false;
      } else if (X.operands().size() < F->MinArgs ||
                 X.operands().size() > F->MaxArgs) {
        std::string Expect = F->MinArgs == F->MaxArgs
                                 ? std::to_string(F->MinArgs)
                                 : "at least " + std::to_string(F->MinArgs);
        Diags.error(X.getRange().Start,
                    "'" + X.getName() + "' takes " + Expect + " argument" +
                        // "at least 1 argument", like "1 argument".
                        (F->MinArgs == 1 ? "" : "s") + ", found " +
                        Twine(X.operands().size()),
                    X.getRange());
        OK = false;
      }
    }
    for (const ExprPtr &Child : X.operands())
      Walk(*Child);
  };
  Walk(*E);
  if (!OK)
    return false;
  if (WantCondition && !E->isCondition()) {
    Diags.error(E->getRange().Start,
                Where +
                    " needs a condition such as 'deadline_misses == 0', "
                    "found '" +
                    E->str() + "'",
                E->getRange());
    return false;
  }
  if (!WantCondition && E->isCondition()) {
    Diags.error(E->getRange().Start,
                Where + " needs a number, found the condition '" + E->str() +
                    "'",
                E->getRange());
    return false;
  }
  if (std::optional<double> C = E->constantValue()) {
    if (WantCondition)
      Diags.warning(E->getRange().Start,
                    Twine("this condition is always ") +
                        (*C != 0 ? "true" : "false"),
                    E->getRange());
    else
      Diags.warning(E->getRange().Start,
                    "the score does not depend on any metric", E->getRange());
  }
  return true;
}

void Sema::resolveReferences(const Statement &S) {
  switch (S.Kind) {
  case StmtKind::Objective: {
    SawObjective = true;
    if (!S.Name || !S.Modifier)
      return;
    if (!checkMetricName(S.Name->Text, S.Name->Range))
      return;
    if (checkDuplicate(ObjectiveMetrics, S.Name->Text, *S.Name,
                       "metric '" + S.Name->Text + "' already has an objective",
                       "the objective is here"))
      return;
    Objective O;
    O.Metric = S.Name->Text;
    O.Dir = S.Modifier->Text == "minimize" ? Direction::Minimize
                                           : Direction::Maximize;
    O.Loc = specLoc(S.Keyword.loc());
    if (S.Number) {
      // A negative weight is legal (the caller warns and suggests the other
      // direction below); rejecting it here made that warning unreachable.
      std::optional<double> W = quantity(*S.Number, Quantity::Number, "weight",
                                         /*AllowNegative=*/true);
      if (!W)
        return;
      if (*W == 0)
        warning(*S.Number, "an objective with weight 0 does not affect the "
                           "score");
      if (*W < 0)
        warning(*S.Number,
                "a negative weight turns '" + S.Modifier->Text + " " +
                    S.Name->Text + "' around; prefer '" +
                    (O.Dir == Direction::Maximize ? "minimize" : "maximize") +
                    "'");
      O.Weight = *W;
    }
    Out.Objectives.push_back(std::move(O));
    return;
  }
  case StmtKind::Score:
    SawObjective = true;
    if (checkExpr(S.Expression, /*WantCondition=*/false, "'score ='"))
      Out.Score = S.Expression;
    if (MetricNames.count("score")) {
      Diags.error(S.Keyword.loc(),
                  "'score' is both a metric of the evaluator and defined "
                  "here; rename one of them",
                  S.Keyword.Range);
      Diags.note(MetricNames["score"].Start, "the metric is declared here",
                 MetricNames["score"]);
    }
    return;
  case StmtKind::Require:
    if (checkExpr(S.Expression, /*WantCondition=*/true, "'require'"))
      Out.Constraints.push_back({S.Expression, specLoc(S.Keyword.loc())});
    return;
  case StmtKind::Verify:
    // Each condition is located where it starts, so `adrsc verify` can
    // point at the one that failed.
    for (const ExprPtr &C : S.Conditions)
      if (checkExpr(C, /*WantCondition=*/true, "'verify'",
                    /*ScoreIsKnown=*/true))
        Out.Verify.push_back({C, specLoc(C->getRange().Start)});
    return;
  case StmtKind::Stage:
    stage(S);
    return;
  default:
    return;
  }
}

void Sema::stage(const Statement &S) {
  if (!S.Name || !S.Role)
    return;
  if (checkDuplicate(StageNames, S.Name->Text, *S.Name,
                     "stage '" + S.Name->Text + "' is declared twice",
                     "first declared here"))
    return;
  Stage St;
  St.Name = S.Name->Text;
  St.Loc = specLoc(S.Name->loc());
  St.Workloads = S.Role->Text;
  std::vector<std::string> Sets = {"train", "test", "all"};
  for (const WorkloadSet &W : Out.Workloads)
    Sets.push_back(W.Name);
  if (!is_contained(Sets, St.Workloads)) {
    unknown(*S.Role, "unknown workload set", Sets,
            "; a stage runs on 'train', 'test', 'all' or a declared set");
    return;
  }
  if (S.Number) {
    const Value &N = *S.Number;
    if (N.K == Value::Kind::Quantity && N.Unit == "%") {
      std::optional<double> P = quantity(N, Quantity::Percent, "stage");
      if (!P)
        return;
      if (*P == 0) {
        error(N, "a stage on 0% of the workloads runs nothing");
        return;
      }
      St.Fraction = *P;
    } else if (std::optional<uint64_t> C = count(N, "stage", 1, 100000000)) {
      St.Count = unsigned(*C);
    } else {
      return;
    }
  }
  const WorkloadSet *Set = Out.findWorkloads(St.Workloads);
  if (St.Workloads == "test" || (Set && Set->Role == WorkloadRole::Test))
    warning(*S.Role, "stage '" + St.Name +
                         "' scores candidates on test workloads, which lets "
                         "the search fit them");
  if (S.Expression) {
    if (!checkExpr(S.Expression, /*WantCondition=*/true, "'keep if'"))
      return;
    St.KeepIf = S.Expression;
  }
  Out.Stages.push_back(std::move(St));
}

// ---- Whole-spec checks -----------------------------------------------------

void Sema::finish(const SpecSyntax &Syntax) {
  SMLoc ProblemLoc = Syntax.ProblemName ? Syntax.ProblemName->loc()
                                        : Syntax.ProblemKeyword.loc();
  SMRange ProblemRange = Syntax.ProblemName ? Syntax.ProblemName->Range
                                            : Syntax.ProblemKeyword.Range;
  if (!SawEvaluator) {
    Diags.error(ProblemLoc, "problem '" + Out.Name + "' has no evaluator",
                ProblemRange);
    Diags.note(ProblemLoc,
               "add 'evaluator FUNCTION in \"eval.cpp\"' or 'evaluator "
               "command \"...\"'");
  }
  if (Out.Regions.empty() && !SawEvolve) {
    Diags.error(ProblemLoc, "problem '" + Out.Name + "' has nothing to evolve",
                ProblemRange);
    Diags.note(ProblemLoc, "add 'evolve block NAME in \"FILE\"' for an "
                           "EVOLVE-BLOCK, or 'evolve function NAME in "
                           "\"FILE\"' for an ADRS_EVOLVE function");
  }
  if (Out.Objectives.empty() && !Out.Score && SawEvaluator && !SawObjective) {
    Diags.error(ProblemLoc, "problem '" + Out.Name + "' has no objective",
                ProblemRange);
    Diags.note(ProblemLoc, "add 'maximize METRIC', 'minimize METRIC' or "
                           "'score = EXPRESSION'");
  }
  if (!Out.Objectives.empty()) {
    double Total = 0;
    for (const Objective &O : Out.Objectives)
      Total += std::fabs(O.Weight);
    if (Total == 0 && !Out.Score)
      Diags.error(ProblemLoc,
                  "the objective weights sum to 0, so every "
                  "candidate scores the same",
                  ProblemRange);
  }

  // Advice from the failure modes seen in practice: without a held-out set
  // overfitting goes unnoticed; an LLM without a description guesses.
  bool HasTrain = false, HasTest = false;
  for (const WorkloadSet &W : Out.Workloads) {
    HasTrain |= !W.TrainFiles.empty() || W.Role != WorkloadRole::Test;
    HasTest |= !W.TestFiles.empty() || W.Role != WorkloadRole::Train;
  }
  if (HasTrain && !HasTest && Syntax.ProblemName)
    Diags.warning(ProblemLoc,
                  "no test workloads: the best program will not be checked on "
                  "workloads the search did not see (add 'as test' or "
                  "'split train 70%')",
                  ProblemRange);
  if (!HasTrain && HasTest && FirstTestSet)
    Diags.error(FirstTestSet->Start,
                "every workload is for test; the search needs train "
                "workloads to score candidates",
                *FirstTestSet);
  if (Out.Generator.Kind != GeneratorKind::Builtin && Out.Description.empty())
    Diags.warning(ProblemLoc,
                  "the " + toString(Out.Generator.Kind) +
                      " generator works from the problem's description; "
                      "add 'describe \"\"\"...\"\"\"'",
                  ProblemRange);

  if (!Out.Budget.Iterations && !Out.Budget.TimeSeconds && !Out.Budget.USD &&
      !Out.Budget.TargetScore)
    Out.Budget.Iterations = 1000;
  // These point at the settings concerned rather than at the problem's name.
  if (Out.Budget.USD && Out.Generator.Kind == GeneratorKind::Builtin && CostAt)
    Diags.warning(CostAt->Start,
                  "a cost budget has no effect with the built-in generator",
                  *CostAt);
  // Tuning calls the evaluator in the process whose constants it changes;
  // a command runs elsewhere (the run would find out only when it tunes).
  if (Out.Search.TuneConstants &&
      Out.Evaluator.Kind == EvaluatorKind::Command && TuneAt)
    Diags.error(TuneAt->Start,
                "'tune cmaes' needs a C++ evaluator: constant tuning calls "
                "the evaluator in the process whose constants it changes, "
                "and an evaluator command runs in a process of its own "
                "(use 'evaluator NAME in \"FILE\"', or drop 'tune')",
                *TuneAt);
  if (Out.Search.StartFromBaselines && StartAt && Out.Baselines.empty())
    Diags.warning(StartAt->Start,
                  "'start from baselines' has no effect: the spec names no "
                  "'baseline' programs",
                  *StartAt);
  if (Out.Limit.TimeSeconds && Out.Budget.TimeSeconds &&
      *Out.Limit.TimeSeconds > *Out.Budget.TimeSeconds && LimitTimeAt &&
      BudgetTimeAt) {
    Diags.warning(LimitTimeAt->Start,
                  "one candidate may run longer than the whole budget's time",
                  *LimitTimeAt);
    Diags.note(BudgetTimeAt->Start, "the budget's time is set here",
               *BudgetTimeAt);
  }
}

void Sema::run(const SpecSyntax &Syntax) {
  if (Syntax.ProblemName) {
    Out.Name = Syntax.ProblemName->Text;
  }
  if (Syntax.Title)
    Out.Title = text(*Syntax.Title).value_or("");
  if (!Options.CompilationDatabase.empty()) {
    SmallString<256> Cwd;
    if (sys::fs::current_path(Cwd))
      Cwd = ".";
    Out.Build.CompilationDatabase =
        makeAbsolute(Options.CompilationDatabase, Cwd);
  }

  // Declarations first, so that objectives and stages may refer to metrics
  // and workload sets declared further down.
  for (const Statement &S : Syntax.Statements)
    declare(S);
  for (const Statement &S : Syntax.Statements)
    resolveReferences(S);
  if (Syntax.ProblemName)
    finish(Syntax);
}

} // namespace

// ---- Entry points
// ------------------------------------------------------------

/// True when \p Text holds only blanks and complete comments: a spec with
/// nothing to parse, which deserves "spec is empty" rather than the parser's
/// "unexpected end of file".
static bool isBlankOrComments(StringRef Text) {
  while (true) {
    Text = Text.ltrim();
    if (Text.empty())
      return true;
    if (Text.startswith("//") || Text.startswith("#")) {
      size_t End = Text.find('\n');
      Text = End == StringRef::npos ? StringRef() : Text.drop_front(End);
      continue;
    }
    if (Text.startswith("/*")) {
      size_t End = Text.find("*/", 2);
      if (End == StringRef::npos)
        return false; // Unterminated: the parser says so.
      Text = Text.drop_front(End + 2);
      continue;
    }
    return false;
  }
}

static Error specErrors(const DiagnosticEngine &Diags, StringRef Name) {
  unsigned N = Diags.getNumErrors();
  return createStringError(inconvertibleErrorCode(), "%u error%s in '%s'", N,
                           N == 1 ? "" : "s", Name.str().c_str());
}

Expected<Spec> parseSpec(StringRef Text, StringRef Name, StringRef BaseDir,
                         DiagnosticEngine &Diags, const LoadOptions &Options) {
  SourceMgr &SM = Diags.getSourceMgr();
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy(Text, Name), SMLoc());
  SMLoc Start = SMLoc::getFromPointer(SM.getMemoryBuffer(ID)->getBufferStart());

  if (Text.size() > MaxSpecBytes) {
    Diags.error(Start, "spec is too large (" + Twine(Text.size()) +
                           " bytes); a spec is at most " + Twine(MaxSpecBytes) +
                           " bytes");
    return specErrors(Diags, Name);
  }
  // ANTLR decodes UTF-8 and throws on bad bytes; report the first one here.
  const UTF8 *Begin =
      reinterpret_cast<const UTF8 *>(SM.getMemoryBuffer(ID)->getBufferStart());
  const UTF8 *Pos = Begin;
  const UTF8 *End = Begin + Text.size();
  while (Pos < End) {
    unsigned Len = getNumBytesForUTF8(*Pos);
    if (Pos + Len > End || !isLegalUTF8Sequence(Pos, Pos + Len)) {
      Diags.error(SMLoc::getFromPointer(reinterpret_cast<const char *>(Pos)),
                  "invalid UTF-8 in spec; a spec is UTF-8 text");
      return specErrors(Diags, Name);
    }
    Pos += Len;
  }
  if (Text.find('\0') != StringRef::npos) {
    Diags.error(SMLoc::getFromPointer(SM.getMemoryBuffer(ID)->getBufferStart() +
                                      Text.find('\0')),
                "NUL byte in spec; is this a binary file?");
    return specErrors(Diags, Name);
  }
  if (isBlankOrComments(Text)) {
    Diags.error(Start, "spec is empty; expected 'problem NAME { ... }'");
    return specErrors(Diags, Name);
  }

  std::optional<syntax::SpecSyntax> Syntax = syntax::parseSyntax(SM, ID, Diags);
  Spec Result;
  Result.BaseDir = BaseDir.str();
  if (Syntax) {
    Sema S(Diags, BaseDir, Options, Result);
    S.run(*Syntax);
  }
  if (Diags.hasErrors() || !Syntax)
    return specErrors(Diags, Name);
  return Result;
}

Expected<Spec> loadSpec(StringRef Path, DiagnosticEngine &Diags,
                        const LoadOptions &Options) {
  if (sys::fs::is_directory(Path)) {
    Diags.fileError(Path, "is a directory, not a spec file");
    return specErrors(Diags, Path);
  }
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buffer =
      MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer) {
    Diags.fileError(Path, "cannot read spec: " + Buffer.getError().message());
    return specErrors(Diags, Path);
  }
  std::string Absolute = makeAbsolute(Path, ".");
  SmallString<256> Cwd;
  if (!sys::path::is_absolute(Path) && !sys::fs::current_path(Cwd))
    Absolute = makeAbsolute(Path, Cwd);
  std::string BaseDir = sys::path::parent_path(Absolute).str();
  Expected<Spec> Result =
      parseSpec((*Buffer)->getBuffer(), Path, BaseDir, Diags, Options);
  if (Result)
    Result->SpecFile = Absolute;
  return Result;
}

} // namespace spec
} // namespace adrs
