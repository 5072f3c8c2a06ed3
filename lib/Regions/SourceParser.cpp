//===- SourceParser.cpp - Parsing a source in-process ---------------------===//

#include "adrs/Regions/SourceParser.h"

#include "adrs/Config.h"
#include "adrs/Support/Glob.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Driver/Options.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Serialization/PCHContainerOperations.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/JSONCompilationDatabase.h"

#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <algorithm>
#include <mutex>
#include <set>

using namespace llvm;

namespace adrs {
namespace regions {

/// adrsc's own public headers: ../include beside an installed binary, or the
/// source tree when run from the build directory.
static std::string adrsIncludeDir() {
  std::string Exe = sys::fs::getMainExecutable(nullptr, nullptr);
  if (!Exe.empty()) {
    SmallString<256> Installed(
        sys::path::parent_path(sys::path::parent_path(Exe)));
    sys::path::append(Installed, "include", "adrs", "Evolve.h");
    if (sys::fs::exists(Installed))
      return std::string(
          sys::path::parent_path(sys::path::parent_path(Installed)));
  }
  return ADRS_SOURCE_INCLUDE_DIR;
}

namespace {

/// A build directory's database as loaded, or why it cannot be.
struct LoadedDatabase {
  std::unique_ptr<clang::tooling::CompilationDatabase> Database;
  size_t Entries = 0;
  std::string Error;
};

} // namespace

/// compile_commands.json may hold a relative "directory": the format leaves
/// its base open, and the one place both sides know is the database's own
/// directory. Clang's reader would keep it relative (and then match no
/// absolute path), so it is made absolute here before Clang reads the text.
static Expected<std::string>
withAbsoluteDirectories(StringRef Text, StringRef BuildDir, StringRef Path) {
  Expected<json::Value> Parsed = json::parse(Text);
  if (!Parsed)
    return createStringError(inconvertibleErrorCode(),
                             "'%s' is not valid JSON: %s", Path.str().c_str(),
                             toString(Parsed.takeError()).c_str());
  json::Array *Entries = Parsed->getAsArray();
  if (!Entries)
    return createStringError(inconvertibleErrorCode(),
                             "'%s' is not a compilation database: expected "
                             "an array of entries",
                             Path.str().c_str());
  bool Changed = false;
  for (json::Value &V : *Entries)
    if (json::Object *O = V.getAsObject())
      if (std::optional<StringRef> Dir = O->getString("directory"))
        if (sys::path::is_relative(*Dir)) {
          SmallString<256> Absolute(BuildDir);
          sys::path::append(Absolute, *Dir);
          sys::path::remove_dots(Absolute, /*remove_dot_dot=*/true);
          (*O)["directory"] = std::string(Absolute);
          Changed = true;
        }
  if (!Changed)
    return Text.str();
  std::string Out;
  raw_string_ostream OS(Out);
  OS << *Parsed;
  return OS.str();
}

static LoadedDatabase loadDatabase(StringRef BuildDir) {
  LoadedDatabase L;
  if (!sys::fs::is_directory(BuildDir)) {
    L.Error =
        (sys::fs::exists(BuildDir) ? "'" + BuildDir + "' is not a directory"
                                   : "no such directory: '" + BuildDir + "'")
            .str();
    return L;
  }
  SmallString<256> Path(BuildDir);
  sys::path::append(Path, "compile_commands.json");
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buffer = MemoryBuffer::getFile(Path);
  if (!Buffer) {
    L.Error = Buffer.getError() == std::errc::no_such_file_or_directory
                  ? "no compile_commands.json in '" + BuildDir.str() +
                        "' (CMake writes one when configured with "
                        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON)"
                  : "cannot read '" + std::string(Path) +
                        "': " + Buffer.getError().message();
    return L;
  }
  Expected<std::string> Text =
      withAbsoluteDirectories((*Buffer)->getBuffer(), BuildDir, Path);
  if (!Text) {
    L.Error = toString(Text.takeError());
    return L;
  }
  std::string Why;
  std::unique_ptr<clang::tooling::JSONCompilationDatabase> JSON =
      clang::tooling::JSONCompilationDatabase::loadFromBuffer(
          *Text, Why, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!JSON) {
    L.Error = "'" + std::string(Path) +
              "' is not a valid compilation database: " + Why;
    return L;
  }
  L.Entries = JSON->getAllCompileCommands().size();
  if (L.Entries == 0) {
    L.Error = "'" + std::string(Path) +
              "' has no entries: no file can take its flags from it";
    return L;
  }
  // Files without an entry (headers, the evaluator, a file the build does
  // not know) take the flags of the entry Clang finds nearest by path, as
  // clangd and clang-tidy do.
  L.Database = clang::tooling::inferMissingCompileCommands(std::move(JSON));
  return L;
}

/// The database of \p BuildDir, loaded on first use. Loading happens in the
/// zygote before any candidate's child is forked, so a sandboxed child finds
/// it here and never reads the file.
static const LoadedDatabase &database(StringRef BuildDir) {
  static std::mutex Lock;
  static std::map<std::string, LoadedDatabase> Loaded;
  std::lock_guard<std::mutex> Guard(Lock);
  auto It = Loaded.find(BuildDir.str());
  if (It == Loaded.end())
    It = Loaded.emplace(BuildDir.str(), loadDatabase(BuildDir)).first;
  return It->second;
}

Expected<size_t> loadCompilationDatabase(StringRef BuildDir) {
  const LoadedDatabase &L = database(BuildDir);
  if (!L.Error.empty())
    return createStringError(inconvertibleErrorCode(), L.Error);
  return L.Entries;
}

/// A relative path in an entry's arguments is relative to the entry's
/// directory, which is not ours: Clang's -working-directory would resolve
/// them, but the driver applies it by changing the process's directory.
static std::vector<std::string>
absolutePaths(const std::vector<std::string> &Args, StringRef Directory) {
  // Options followed by a path as the next argument.
  static const StringRef Separate[] = {
      "-I",           "-F",          "-isystem",     "-iquote",
      "-idirafter",   "-include",    "-imacros",     "-isysroot",
      "-cxx-isystem", "-iframework", "-include-pch", "--sysroot"};
  // Options joined to their path. The longer ones above may be joined too,
  // but a prefix test cannot tell -include-pch from -include with a path.
  static const StringRef Joined[] = {"-I", "-F", "--sysroot="};
  auto Absolute = [&](StringRef Path) {
    return Path.empty() || sys::path::is_absolute(Path)
               ? Path.str()
               : makeAbsolute(Path, Directory);
  };
  std::vector<std::string> Out;
  for (size_t I = 0; I < Args.size(); ++I) {
    StringRef Arg = Args[I];
    if (is_contained(Separate, Arg) && I + 1 < Args.size()) {
      Out.push_back(Args[I]);
      Out.push_back(Absolute(Args[++I]));
      continue;
    }
    std::string Rewritten = Args[I];
    for (StringRef Option : Joined)
      if (Arg.startswith(Option) && Arg.size() > Option.size() &&
          Arg != "-I-") {
        Rewritten = Option.str() + Absolute(Arg.drop_front(Option.size()));
        break;
      }
    Out.push_back(std::move(Rewritten));
  }
  return Out;
}

/// \p Args without those Clang does not know: a project built with GCC has
/// GCC's own flags in its database (-fconcepts-diagnostics-depth=3,
/// -mno-direct-extern-access), which would stop every compile. GCC's
/// optimisation flags Clang knows and ignores stay, as do warnings.
static std::vector<std::string>
withoutUnknownFlags(const std::vector<std::string> &Args) {
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());
  unsigned MissingIndex = 0, MissingCount = 0;
  llvm::opt::InputArgList Parsed = clang::driver::getDriverOptTable().ParseArgs(
      Argv, MissingIndex, MissingCount);
  std::set<unsigned> Unknown;
  for (const llvm::opt::Arg *A :
       Parsed.filtered(clang::driver::options::OPT_UNKNOWN))
    Unknown.insert(A->getIndex());
  std::vector<std::string> Out;
  for (size_t I = 0; I < Args.size(); ++I)
    if (!Unknown.count(I))
      Out.push_back(Args[I]);
  return Out;
}

/// The flags of an entry that belong in our compile: not the compiler, the
/// action, the input or anything that writes a file (objects, dependency
/// files, profiles, traces), nor a plugin to load into this process, nor a
/// sanitizer: the JIT links no sanitizer runtime, and a candidate's bounds
/// checks are adrsc's own (compilerArguments). Nor the build's optimisation
/// level and debug information: every file and candidate is compiled at
/// adrsc's level, so that a Debug build's -O0 does not make the baseline
/// and the candidates' unit differ, and debug information would only slow
/// each candidate's compile.
static std::vector<std::string>
usableFlags(const clang::tooling::CompileCommand &C) {
  using namespace clang::tooling;
  // Writers whose file is the next argument, which Clang's adjusters below
  // would leave behind as a second input.
  static const StringRef WithFile[] = {"--serialize-diagnostics", "-MJ"};
  static const StringRef Dropped[] = {"-c",
                                      "-S",
                                      "-E",
                                      "-fsyntax-only",
                                      "--coverage",
                                      "-fprofile-arcs",
                                      "-ftest-coverage",
                                      "-gsplit-dwarf",
                                      "-fcoverage-mapping",
                                      "-g"};
  static const StringRef DroppedPrefixes[] = {"-save-temps",
                                              "-ftime-trace",
                                              "-fprofile-generate",
                                              "-fprofile-instr-generate",
                                              "-fcs-profile-generate",
                                              "-gsplit-dwarf=",
                                              "--serialize-diagnostics=",
                                              "-fsanitize",
                                              "-fno-sanitize",
                                              "-O",
                                              "-g0",
                                              "-g1",
                                              "-g2",
                                              "-g3",
                                              "-ggdb",
                                              "-gdwarf",
                                              "-gline-",
                                              "-gcodeview",
                                              "-gembed-source"};
  std::vector<std::string> Kept;
  for (size_t I = 0; I < C.CommandLine.size(); ++I) {
    StringRef Arg = C.CommandLine[I];
    if (I > 0 && is_contained(WithFile, Arg)) {
      ++I;
      continue;
    }
    if (I > 0 && (is_contained(Dropped, Arg) ||
                  any_of(DroppedPrefixes, [&](StringRef Prefix) {
                    return Arg.startswith(Prefix);
                  })))
      continue;
    Kept.push_back(C.CommandLine[I]);
  }
  std::vector<std::string> Args =
      combineAdjusters(getStripPluginsAdjuster(),
                       combineAdjusters(getClangStripOutputAdjuster(),
                                        getClangStripDependencyFileAdjuster()))(
          Kept, C.Filename);
  std::string Input = makeAbsolute(C.Filename, C.Directory);
  std::vector<std::string> Out;
  for (size_t I = 1; I < Args.size(); ++I) {
    StringRef Arg = Args[I];
    if (Arg == "--" || Arg == C.Filename ||
        (!Arg.startswith("-") && makeAbsolute(Arg, C.Directory) == Input))
      continue;
    Out.push_back(Args[I]);
  }
  return absolutePaths(withoutUnknownFlags(Out), C.Directory);
}

Expected<DatabaseFlags> databaseFlags(StringRef BuildDir, StringRef File) {
  const LoadedDatabase &L = database(BuildDir);
  if (!L.Error.empty())
    return createStringError(inconvertibleErrorCode(), L.Error);
  std::vector<clang::tooling::CompileCommand> Commands =
      L.Database->getCompileCommands(File);
  if (Commands.empty())
    return createStringError(inconvertibleErrorCode(),
                             "the compilation database in '%s' has no entry "
                             "for '%s' and none to infer its flags from",
                             BuildDir.str().c_str(), File.str().c_str());
  // A file compiled twice (two targets) has two entries; the first is the
  // one clang-tidy and clangd use.
  const clang::tooling::CompileCommand &C = Commands.front();
  DatabaseFlags Flags;
  Flags.Arguments = usableFlags(C);
  Flags.Inferred = C.Heuristic;
  return Flags;
}

Expected<std::vector<std::string>>
compilerArguments(const spec::BuildSettings &Build, StringRef File,
                  UnitRole Role) {
  std::vector<std::string> Args = {"clang++", "-std=" + Build.Standard,
                                   "-resource-dir", ADRS_CLANG_RESOURCE_DIR,
                                   "-I" + adrsIncludeDir()};
  // A candidate may index only containers and arrays whose bounds are
  // checked: the standard containers' operator[] asserts (libstdc++'s
  // cheap assertions, which leave the layout as it is) and an array index
  // out of its known bound traps. The candidate language (the allow pass)
  // leans on both.
  for (const char *Check : {"-D_GLIBCXX_ASSERTIONS", "-fsanitize=array-bounds",
                            "-fsanitize-trap=array-bounds"})
    Args.push_back(Check);
  // Every constructor and destructor variant is a function of its own, not
  // an alias of another (Clang's default on ELF makes the complete-object
  // constructor an alias of the base-object one): what the simulator calls
  // in a unit a candidate may change is reached through a stub, and only a
  // function can be renamed behind one.
  Args.push_back("-Xclang");
  Args.push_back("-mno-constructor-aliases");
  // The entry's flags, -std included, come after the spec's standard and
  // win over it; the spec's own settings come after them and win over them.
  // A file without an entry of its own keeps the spec's standard: the
  // standard of the neighbour Clang infers its flags from is a guess (a
  // C++11 library's, for an evaluator written against adrsc's C++17
  // interface).
  if (!Build.CompilationDatabase.empty()) {
    Expected<DatabaseFlags> Flags =
        databaseFlags(Build.CompilationDatabase, File);
    if (!Flags)
      return Flags.takeError();
    for (const std::string &Flag : Flags->Arguments)
      if (Flags->Inferred.empty() || !StringRef(Flag).startswith("-std="))
        Args.push_back(Flag);
  }
  for (const std::string &Dir : Build.IncludeDirs)
    Args.push_back("-I" + Dir);
  for (const spec::Define &D : Build.Defines)
    Args.push_back("-D" + D.Name + (D.Value ? "=" + *D.Value : ""));
  for (const std::string &Flag : Build.Flags)
    Args.push_back(Flag);
  if (Role == UnitRole::Sources) {
    // Warnings are the researcher's business; only errors stop a candidate.
    Args.push_back("-w");
    return Args;
  }
  // -w would silence the one warning a candidate's unit must obey, even
  // made an error, so warnings stay on (their diagnostics are dropped where
  // they are collected) and none but this one is an error, whatever the
  // spec's flags (or the database's) ask.
  Args.push_back("-Wno-error");
  Args.push_back("-Werror=return-type");
  return Args;
}

json::Value toJSON(const std::vector<SourceDiagnostic> &Diagnostics) {
  json::Array A;
  for (const SourceDiagnostic &D : Diagnostics)
    A.push_back(json::Object{
        {"level", D.Severity == SourceDiagnostic::Level::Error     ? "error"
                  : D.Severity == SourceDiagnostic::Level::Warning ? "warning"
                                                                   : "note"},
        {"file", D.File},
        {"line", D.Line},
        {"column", D.Column},
        {"message", D.Message},
        {"source_line", D.SourceLine}});
  return A;
}

std::vector<SourceDiagnostic> diagnosticsFromJSON(const json::Array *A) {
  std::vector<SourceDiagnostic> Out;
  if (!A)
    return Out;
  // Diagnostics come back from a candidate's process: keep what a person
  // or a prompt can use, and no more.
  constexpr size_t MaxDiagnostics = 200, MaxText = 4096;
  auto Text = [&](const json::Object *O, StringRef Key) {
    return O->getString(Key).value_or("").take_front(MaxText).str();
  };
  for (const json::Value &V : *A) {
    if (Out.size() == MaxDiagnostics)
      break;
    const json::Object *O = V.getAsObject();
    if (!O)
      continue;
    SourceDiagnostic D;
    StringRef Level = O->getString("level").value_or("error");
    D.Severity = Level == "note"      ? SourceDiagnostic::Level::Note
                 : Level == "warning" ? SourceDiagnostic::Level::Warning
                                      : SourceDiagnostic::Level::Error;
    D.File = Text(O, "file");
    D.Line = unsigned(
        std::clamp<int64_t>(O->getInteger("line").value_or(0), 0, UINT32_MAX));
    D.Column = unsigned(std::clamp<int64_t>(O->getInteger("column").value_or(0),
                                            0, UINT32_MAX));
    D.Message = Text(O, "message");
    D.SourceLine = Text(O, "source_line");
    Out.push_back(std::move(D));
  }
  return Out;
}

SourceParser::~SourceParser() = default;

Expected<std::unique_ptr<SourceParser>>
SourceParser::create(const spec::BuildSettings &Build, StringRef File,
                     UnitRole Role) {
  std::unique_ptr<SourceParser> P(new SourceParser());
  P->File = File.str();
  Expected<std::vector<std::string>> Arguments =
      compilerArguments(Build, File, Role);
  if (!Arguments)
    return Arguments.takeError();
  std::vector<std::string> &Args = *Arguments;
  Args.insert(Args.begin() + 1, "-fsyntax-only");
  Args.push_back(P->File);
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());

  IntrusiveRefCntPtr<clang::DiagnosticsEngine> Diags =
      clang::CompilerInstance::createDiagnostics(
          new clang::DiagnosticOptions(), new clang::IgnoringDiagConsumer());
  std::unique_ptr<clang::ASTUnit> ErrAST;
  P->AST.reset(clang::ASTUnit::LoadFromCommandLine(
      Argv.data(), Argv.data() + Argv.size(),
      std::make_shared<clang::PCHContainerOperations>(), Diags,
      ADRS_CLANG_RESOURCE_DIR, /*OnlyLocalDecls=*/false,
      clang::CaptureDiagsKind::All, /*RemappedFiles=*/{},
      /*RemappedFilesKeepOriginalName=*/true,
      /*PrecompilePreambleAfterNParses=*/1, clang::TU_Complete,
      /*CacheCodeCompletionResults=*/false,
      /*IncludeBriefCommentsInCodeCompletion=*/false,
      /*AllowPCHWithCompilerErrors=*/true, clang::SkipFunctionBodiesScope::None,
      /*SingleFileParse=*/false,
      /*UserFilesAreVolatile=*/true, /*ForSerialization=*/false,
      /*RetainExcludedConditionalBlocks=*/false, std::nullopt, &ErrAST));
  if (!P->AST) {
    std::string Why = "cannot parse '" + P->File + "'";
    if (ErrAST) {
      P->AST = std::move(ErrAST);
      P->collectDiagnostics();
      for (const SourceDiagnostic &D : P->Diags)
        if (D.Severity == SourceDiagnostic::Level::Error) {
          Why += ": " + D.Message;
          break;
        }
    }
    return createStringError(inconvertibleErrorCode(), Why);
  }
  P->collectDiagnostics();
  return std::move(P);
}

Error SourceParser::reparse(const FileOverrides &Overrides) {
  std::vector<clang::ASTUnit::RemappedFile> Remapped;
  for (const auto &[Path, Contents] : Overrides)
    // The ASTUnit owns remapped buffers and frees them on the next parse.
    Remapped.push_back(
        {Path, MemoryBuffer::getMemBufferCopy(Contents, Path).release()});
  if (AST->Reparse(std::make_shared<clang::PCHContainerOperations>(), Remapped))
    return createStringError(inconvertibleErrorCode(),
                             "cannot re-parse '" + File + "'");
  collectDiagnostics();
  return Error::success();
}

bool SourceParser::hasErrors() const {
  for (const SourceDiagnostic &D : Diags)
    if (D.Severity == SourceDiagnostic::Level::Error)
      return true;
  return false;
}

void SourceParser::collectDiagnostics() {
  Diags.clear();
  for (auto It = AST->stored_diag_begin(), End = AST->stored_diag_end();
       It != End; ++It) {
    SourceDiagnostic D;
    switch (It->getLevel()) {
    case clang::DiagnosticsEngine::Error:
    case clang::DiagnosticsEngine::Fatal:
      D.Severity = SourceDiagnostic::Level::Error;
      break;
    case clang::DiagnosticsEngine::Warning:
      D.Severity = SourceDiagnostic::Level::Warning;
      break;
    default:
      D.Severity = SourceDiagnostic::Level::Note;
      break;
    }
    D.Message = It->getMessage().str();
    clang::FullSourceLoc Loc = It->getLocation();
    if (Loc.isValid()) {
      clang::FullSourceLoc Spelling = Loc.getSpellingLoc();
      clang::PresumedLoc P = Spelling.getManager().getPresumedLoc(Spelling);
      if (P.isValid()) {
        D.File = P.getFilename();
        D.Line = P.getLine();
        D.Column = P.getColumn();
        bool Invalid = false;
        StringRef Buffer = Spelling.getBufferData(&Invalid);
        if (!Invalid) {
          unsigned Offset = Spelling.getManager().getFileOffset(Spelling);
          size_t Begin =
              Offset == 0 ? StringRef::npos : Buffer.rfind('\n', Offset - 1);
          Begin = Begin == StringRef::npos ? 0 : Begin + 1;
          size_t End = Buffer.find('\n', Offset);
          D.SourceLine = Buffer.slice(Begin, End).str();
        }
      }
    }
    Diags.push_back(std::move(D));
  }
}

} // namespace regions
} // namespace adrs
