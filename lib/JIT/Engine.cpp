//===- Engine.cpp - Prebuilt code plus one candidate ----------------------===//

#include "adrs/JIT/Engine.h"

#include "adrs/JIT/CallChannel.h"
#include "adrs/JIT/Prebuilt.h"

#include "adrs/Crossing.h"
#include "adrs/Regions/Boundary.h"

#include "DiagnosticCollector.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Mangle.h"
#include "clang/Basic/LangOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Interpreter/Interpreter.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace jit {

namespace {

double msSince(std::chrono::steady_clock::time_point Start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - Start)
      .count();
}

Error compileError(StringRef What,
                   const std::vector<regions::SourceDiagnostic> &Diags) {
  std::string Message = What.str();
  for (const regions::SourceDiagnostic &D : Diags)
    if (D.Severity == regions::SourceDiagnostic::Level::Error) {
      Message += "\n" + D.File + ":" + std::to_string(D.Line) + ":" +
                 std::to_string(D.Column) + ": error: " + D.Message;
    }
  return createStringError(inconvertibleErrorCode(), Message);
}

/// A definition other code may link to.
bool isStrongDefinition(const GlobalValue &G) {
  return !G.isDeclaration() && !G.hasLocalLinkage() &&
         !G.hasLinkOnceLinkage() && !G.hasWeakLinkage() &&
         !G.hasAvailableExternallyLinkage() && !G.getName().startswith("llvm.");
}

StringSet<> strongDefinitions(const Module &M) {
  StringSet<> Names;
  for (const GlobalValue &G : M.global_values())
    if (isStrongDefinition(G))
      Names.insert(G.getName());
  return Names;
}

/// Lets the candidates' JIT (the interpreter's) find what the engine's JIT
/// holds: the region's file may call the simulator's functions.
class EngineSymbols : public orc::DefinitionGenerator {
public:
  explicit EngineSymbols(orc::LLJIT &J) : J(J) {}

  Error tryToGenerate(orc::LookupState &, orc::LookupKind, orc::JITDylib &JD,
                      orc::JITDylibLookupFlags,
                      const orc::SymbolLookupSet &Symbols) override {
    orc::SymbolMap Found;
    for (const auto &[Name, Flags] : Symbols) {
      Expected<orc::ExecutorAddr> Addr = J.lookup(*Name);
      if (!Addr) {
        consumeError(Addr.takeError());
        continue;
      }
      Found[Name] =
          JITEvaluatedSymbol(Addr->getValue(), JITSymbolFlags::Exported);
    }
    if (Found.empty())
      return Error::success();
    return JD.define(orc::absoluteSymbols(std::move(Found)));
  }

private:
  orc::LLJIT &J;
};

// ---- Calls across the process boundary of a confirmation -----------------
//
// In the evaluator's process, the simulator's calls into the unit reach
// proxies that copy the arguments into a message for the candidate's
// process, which calls the candidate's function with copies and sends back
// the result and every argument taken by non-const reference.

CallChannel *Remote = nullptr;
void (*RemoteLost)(const char *Why) = nullptr;

[[noreturn]] void lost(const char *Why) {
  if (RemoteLost)
    RemoteLost(Why);
  _exit(1);
}

/// A call's head: the function, the sizes of its arguments, of its result
/// and of the arguments it writes back.
constexpr size_t CallHeadSize = 4 + 8 + 8 + 8;

/// The proxies' one way out of the process: the arguments, serialized by
/// adrs::CrossingWriter, go to the candidate's process; the result and the
/// arguments taken by non-const reference come back. Their sizes are this
/// side's own: nothing the other side says about them is believed.
extern "C" void adrsRemoteCall(unsigned Fn, const char *In,
                               unsigned long InSize, void *Ret,
                               unsigned long RetSize, void *const *Back,
                               const unsigned long *BackSizes, unsigned N) {
  if (!Remote)
    lost("has no process to call");
  uint64_t BackTotal = 0;
  for (unsigned I = 0; I < N; ++I)
    BackTotal += BackSizes[I];
  uint64_t ReplySize = 1 + uint64_t(RetSize) + BackTotal;
  char *Out = InSize <= CallChannel::Capacity - CallHeadSize
                  ? Remote->requestBuffer(CallHeadSize + InSize)
                  : nullptr;
  if (!Out || ReplySize > CallChannel::Capacity)
    lost("was called with arguments or a result larger than 64 MB");
  uint32_t Fn32 = Fn;
  uint64_t In64 = InSize, Ret64 = RetSize;
  std::memcpy(Out, &Fn32, 4);
  std::memcpy(Out + 4, &In64, 8);
  std::memcpy(Out + 12, &Ret64, 8);
  std::memcpy(Out + 20, &BackTotal, 8);
  if (InSize)
    std::memcpy(Out + CallHeadSize, In, InSize);
  const char *Reply = Remote->call(CallHeadSize + InSize, ReplySize);
  if (!Reply)
    lost("ended during a call");
  if (Reply[0] != 0)
    lost("could not read a call's arguments");
  const char *At = Reply + 1;
  if (RetSize) {
    std::memcpy(Ret, At, RetSize);
    At += RetSize;
  }
  for (unsigned I = 0; I < N; ++I)
    if (BackSizes[I]) {
      std::memcpy(Back[I], At, BackSizes[I]);
      At += BackSizes[I];
    }
}

/// The templates every proxy and server is made from. Types only: no name
/// is looked up, so the candidate's code need not be visible. Arguments go
/// through adrs::Crossing where the problem specializes it, byte for byte
/// otherwise.
constexpr const char *CrossingPrelude = R"cpp(
#include "adrs/Crossing.h"
#include <cstring>
#include <tuple>
#include <type_traits>
namespace adrs_confirm {
extern "C" void __adrs_remote_call(unsigned, const char *, unsigned long,
                                   void *, unsigned long, void *const *,
                                   const unsigned long *, unsigned);
template <class T> using Bare = std::remove_cv_t<std::remove_reference_t<T>>;
template <class T>
constexpr bool Writable =
    std::is_lvalue_reference_v<T> && !std::is_const_v<std::remove_reference_t<T>>;
template <class T> void put(adrs::CrossingWriter &W, const T &V) {
  if constexpr (adrs::crossing_detail::Custom<T>::value)
    adrs::Crossing<T>::write(V, W);
  else
    W.value(V);
}
template <class T> void get(adrs::CrossingReader &R, T &V) {
  if constexpr (adrs::crossing_detail::Custom<T>::value)
    adrs::Crossing<T>::read(V, R);
  else
    R.value(V);
}
template <class A, class V> void back(adrs::CrossingWriter *W, const V &Value) {
  if constexpr (Writable<A>)
    W->value(Value);
}
template <unsigned... I> struct Idx {};
template <unsigned N, unsigned... I>
struct MakeIdx : MakeIdx<N - 1, N - 1, I...> {};
template <unsigned... I> struct MakeIdx<0, I...> { using type = Idx<I...>; };
template <class Sig> struct Remote;
template <class R, class... A> struct Remote<R(A...)> {
  template <unsigned Fn> static R call(A... Args) {
    thread_local adrs::CrossingWriter W;
    W.clear();
    (put<Bare<A>>(W, Args), ...);
    void *Back[sizeof...(A) + 1] = {(Writable<A> ? (void *)&Args : nullptr)...,
                                    nullptr};
    unsigned long BackSizes[sizeof...(A) + 1] = {
        (Writable<A> ? sizeof(Bare<A>) : 0)..., 0};
    if constexpr (std::is_void_v<R>) {
      __adrs_remote_call(Fn, W.data().data(), W.data().size(), nullptr, 0,
                         Back, BackSizes, sizeof...(A));
    } else {
      alignas(R) unsigned char Buf[sizeof(R)];
      __adrs_remote_call(Fn, W.data().data(), W.data().size(), Buf, sizeof(R),
                         Back, BackSizes, sizeof...(A));
      return __builtin_bit_cast(R, Buf);
    }
  }
  template <unsigned... I>
  static bool serveAt(void *Target, const char *In, unsigned long Size,
                      void *Ret, adrs::CrossingWriter *BackOut, Idx<I...>) {
    adrs::CrossingReader Rd(In, Size);
    std::tuple<Bare<A>...> Values;
    (get(Rd, std::get<I>(Values)), ...);
    if (!Rd.ok())
      return false;
    R (*F)(A...) = (R(*)(A...))Target;
    if constexpr (std::is_void_v<R>) {
      F(std::get<I>(Values)...);
    } else {
      R Result = F(std::get<I>(Values)...);
      std::memcpy(Ret, (const void *)&Result, sizeof(R));
    }
    (back<A>(BackOut, std::get<I>(Values)), ...);
    return true;
  }
  static bool serve(void *Target, const char *In, unsigned long Size,
                    void *Ret, adrs::CrossingWriter *BackOut) {
    return serveAt(Target, In, Size, Ret, BackOut,
                   typename MakeIdx<sizeof...(A)>::type{});
  }
};
} // namespace adrs_confirm
)cpp";

/// The definitions of \p Ctx's translation unit by mangled name: why each
/// cannot be called across processes (empty: it can), and its type.
void collectSignatures(
    clang::ASTContext &Ctx,
    std::map<std::string, std::pair<std::string, std::string>> &Out) {
  std::unique_ptr<clang::MangleContext> MC(Ctx.createMangleContext());
  std::function<void(clang::DeclContext *)> Walk = [&](clang::DeclContext *DC) {
    for (clang::Decl *D : DC->decls()) {
      if (auto *NS = dyn_cast<clang::NamespaceDecl>(D)) {
        Walk(NS);
      } else if (auto *LS = dyn_cast<clang::LinkageSpecDecl>(D)) {
        Walk(LS);
      } else if (auto *FD = dyn_cast<clang::FunctionDecl>(D)) {
        if (!FD->isThisDeclarationADefinition() ||
            isa<clang::CXXConstructorDecl>(FD) ||
            isa<clang::CXXDestructorDecl>(FD))
          continue;
        std::string Name;
        if (MC->shouldMangleDeclName(FD)) {
          raw_string_ostream OS(Name);
          MC->mangleName(clang::GlobalDecl(FD), OS);
        } else {
          Name = FD->getName().str();
        }
        Out[Name] = {regions::whyNotCallableAcross(*FD).value_or(""),
                     regions::qualifiedFunctionType(*FD)};
      }
    }
  };
  Walk(Ctx.getTranslationUnitDecl());
}

} // namespace

struct Engine::Impl {
  const spec::Spec &S;
  std::string Unit; ///< The translation unit that holds the regions.
  /// What the prebuilt code's session could not link, for the error.
  std::string SessionErrors;
  /// Headers of that unit that hold regions. They are never part of the
  /// parsed preamble: a candidate brings its own text for them.
  std::set<std::string> RegionHeaders;
  /// The last compile's parse, until it is linked.
  clang::PartialTranslationUnit *Parsed = nullptr;
  Compiler Compile;
  std::unique_ptr<orc::LLJIT> JIT;
  /// The simulator's own build (`link`) in the JIT.
  std::unique_ptr<PrebuiltBinaries> Binaries;
  /// Candidates are compiled incrementally: the interpreter holds the
  /// unit's #include block already parsed, so a candidate pays only for
  /// the code after it.
  std::unique_ptr<clang::Interpreter> Candidates;
  DiagnosticCollector CandidateDiagnostics{nullptr};
  std::string Preamble; ///< The unit's leading #include block.
  /// The #include lines of the preamble that name a region's header, each
  /// after a #line directive for its place: parsed with every candidate,
  /// not with the preamble.
  std::string RegionIncludes;
  /// Each region header's text at setup: a sandboxed child may not read
  /// files, so every parse gets the header from memory.
  std::map<std::string, std::string> HeaderTexts;
  /// The unit as it was at setup: a sandboxed child may not read files.
  std::string BaselineText;
  /// Functions of the unit that prebuilt code calls, reached through stubs:
  /// their IR (mangled) names.
  std::vector<std::string> Stubbed;
  /// For each of them, how it is called across processes in a confirmation.
  struct Crossing {
    std::string Why;  ///< Why it cannot be; empty when it can.
    std::string Type; ///< Its C++ type, fully qualified.
    void *Proxy = nullptr;
    bool (*Serve)(void *Target, const char *In, unsigned long Size, void *Ret,
                  adrs::CrossingWriter *Back) = nullptr;
  };
  std::vector<Crossing> Crossings;
  double SetupMs = 0;
  using EntryFn = void (*)(EvalContext &);
  EntryFn Entry = nullptr;

  Impl(const spec::Spec &S, std::string Unit)
      : S(S), Unit(std::move(Unit)), Compile(S.Build) {}

  Error addModule(std::unique_ptr<Module> M,
                  std::unique_ptr<LLVMContext> Context) {
    return JIT->addIRModule(
        orc::ThreadSafeModule(std::move(M), std::move(Context)));
  }

  Error createInterpreter(StringRef Text) {
    std::vector<std::string> Args =
        regions::compilerArguments(S.Build, regions::UnitRole::Candidate);
    Args.erase(Args.begin()); // the interpreter takes no program name
    Args.push_back("-O2");
    std::vector<const char *> Argv;
    for (const std::string &A : Args)
      Argv.push_back(A.c_str());
    Expected<std::unique_ptr<clang::CompilerInstance>> CI =
        clang::IncrementalCompilerBuilder::create(Argv);
    if (!CI)
      return CI.takeError();
    Expected<std::unique_ptr<clang::Interpreter>> Interp =
        clang::Interpreter::create(std::move(*CI));
    if (!Interp)
      return Interp.takeError();
    Candidates = std::move(*Interp);
    // Diagnostics become data for feedback rather than text on stderr.
    Candidates->getCompilerInstance()->getDiagnostics().setClient(
        &CandidateDiagnostics, /*ShouldOwnClient=*/false);
    clang::LangOptions LO;
    LO.CPlusPlus = true;
    clang::PreambleBounds Bounds = clang::Lexer::ComputePreamble(Text, LO);
    Preamble = Text.take_front(Bounds.Size).str();
    // A header with a region changes with the candidate, so its #include is
    // taken out of the preamble parsed here and parsed with each candidate
    // (the line stays, blank, so that lines keep their numbers).
    std::string Parsed;
    SmallVector<StringRef, 32> Lines;
    StringRef(Preamble).split(Lines, '\n');
    for (size_t L = 0; L < Lines.size(); ++L) {
      bool Last = L + 1 == Lines.size();
      if (includesRegionHeader(Lines[L])) {
        RegionIncludes += "#line " + std::to_string(L + 1) + " \"" + Unit +
                          "\"\n" + Lines[L].str() + "\n";
        Parsed += Last ? "" : "\n";
      } else {
        Parsed += Lines[L].str() + (Last ? "" : "\n");
      }
    }
    // Executing something creates the interpreter's JIT, which must exist to
    // be given the generator below.
    if (Error E = Candidates->ParseAndExecute(
            "#line 1 \"" + Unit + "\"\n" + Parsed +
            "\nnamespace adrs_internal { inline int ready() { return 1; } }\n"))
      return E;
    // A region header that came in through another header is in the
    // preamble now, and a candidate's text of it could not be compiled.
    clang::SourceManager &SM =
        Candidates->getCompilerInstance()->getSourceManager();
    for (const std::string &Header : RegionHeaders) {
      auto Ref = SM.getFileManager().getOptionalFileRef(Header);
      if (!Ref)
        return createStringError(inconvertibleErrorCode(),
                                 "cannot find the header '%s'", Header.c_str());
      if (SM.translateFile(*Ref).isValid())
        return createStringError(
            inconvertibleErrorCode(),
            "'%s' holds a region but '%s' includes it through another header; "
            "include it directly from '%s' so that each candidate's text of "
            "it is compiled",
            Header.c_str(), Unit.c_str(), Unit.c_str());
      ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(Header);
      if (!B)
        return createStringError(B.getError(), "cannot read '%s'",
                                 Header.c_str());
      HeaderTexts[Header] = (*B)->getBuffer().str();
    }
    // Clang 16 hands out the interpreter's JIT as const only; adding a
    // symbol generator does not disturb what it has compiled.
    auto *CandidateJIT =
        const_cast<orc::LLJIT *>(Candidates->getExecutionEngine());
    if (!CandidateJIT)
      return createStringError(inconvertibleErrorCode(),
                               "the incremental compiler has no JIT");
    CandidateJIT->getMainJITDylib().addGenerator(
        std::make_unique<EngineSymbols>(*JIT));
    return Error::success();
  }

  /// Compiles a proxy and a server for every function prebuilt code calls
  /// whose arguments can be copied; the others keep their reason.
  /// The crossing code for the functions \p Which: a translation unit of
  /// the unit's own headers (less those with regions), the templates, and a
  /// proxy and a server per function.
  std::string crossingUnit(ArrayRef<size_t> Which) const {
    std::string Text;
    SmallVector<StringRef, 32> Lines;
    StringRef(Preamble).split(Lines, '\n');
    for (StringRef L : Lines)
      Text += includesRegionHeader(L) ? "\n" : L.str() + "\n";
    Text += CrossingPrelude;
    for (size_t I : Which) {
      std::string N = std::to_string(I), Sig = "adrs_confirm_sig_" + N;
      Text += "using " + Sig + " = " + Crossings[I].Type + ";\n";
      Text += "extern \"C\" void *__adrs_confirm_proxy_" + N +
              "() { return (void *)&adrs_confirm::Remote<" + Sig + ">::call<" +
              N + ">; }\n";
      Text += "extern \"C\" bool __adrs_confirm_serve_" + N +
              "(void *T, const char *I, unsigned long S, void *R, "
              "adrs::CrossingWriter *B) { return adrs_confirm::Remote<" +
              Sig + ">::serve(T, I, S, R, B); }\n";
    }
    return Text;
  }

  /// Compiles a proxy and a server for every function prebuilt code calls
  /// whose arguments can be copied, into the engine's JIT (a whole
  /// translation unit, so every template it uses is instantiated); the
  /// others keep their reason.
  Error buildCrossings() {
    std::vector<size_t> Candidates;
    for (size_t I = 0; I < Crossings.size(); ++I)
      if (Crossings[I].Why.empty())
        Candidates.push_back(I);
    if (Candidates.empty())
      return Error::success();
    if (Error E = JIT->getMainJITDylib().define(orc::absoluteSymbols(
            {{JIT->mangleAndIntern("__adrs_remote_call"),
              JITEvaluatedSymbol(pointerToJITTargetAddress(&adrsRemoteCall),
                                 JITSymbolFlags::Exported)}})))
      return E;
    // Beside the unit, so that its quoted #includes are found.
    std::string Name = Unit + ".adrs-crossing.cpp";
    auto Context = std::make_unique<LLVMContext>();
    std::vector<regions::SourceDiagnostic> Diags;
    Expected<std::unique_ptr<Module>> M =
        Compile.compileText(Name, crossingUnit(Candidates), *Context, Diags);
    if (!M) {
      consumeError(M.takeError());
      // Which of them cannot be named outside the unit: each alone.
      std::vector<size_t> Fine;
      for (size_t I : Candidates) {
        LLVMContext Probe;
        std::vector<regions::SourceDiagnostic> Why;
        Expected<std::unique_ptr<Module>> One =
            Compile.compileText(Name, crossingUnit({I}), Probe, Why);
        if (One) {
          Fine.push_back(I);
          continue;
        }
        consumeError(One.takeError());
        Crossings[I].Why =
            "its type '" + Crossings[I].Type + "' cannot be named outside '" +
            Unit + "'" +
            (Why.empty() ? std::string() : " (" + Why.front().Message + ")");
      }
      if (Fine.empty())
        return Error::success();
      Candidates = Fine;
      Diags.clear();
      M = Compile.compileText(Name, crossingUnit(Candidates), *Context, Diags);
      if (!M)
        return M.takeError();
    }
    if (Error E = addModule(std::move(*M), std::move(Context)))
      return E;
    for (size_t I : Candidates) {
      std::string N = std::to_string(I);
      Expected<orc::ExecutorAddr> Proxy =
          JIT->lookup("__adrs_confirm_proxy_" + N);
      Expected<orc::ExecutorAddr> Serve =
          JIT->lookup("__adrs_confirm_serve_" + N);
      if (!Proxy || !Serve) {
        Error Why = joinErrors(Proxy ? Error::success() : Proxy.takeError(),
                               Serve ? Error::success() : Serve.takeError());
        Crossings[I].Why =
            "its proxy could not be linked: " + toString(std::move(Why));
        continue;
      }
      Crossings[I].Proxy = Proxy->toPtr<void *(*)()>()();
      Crossings[I].Serve = Serve->toPtr<decltype(Crossings[I].Serve)>();
    }
    return Error::success();
  }

  /// The address a stub's slot holds.
  Expected<void **> slotOf(size_t I) {
    Expected<orc::ExecutorAddr> Slot = JIT->lookup("__adrs_ptr_" + Stubbed[I]);
    if (!Slot)
      return Slot.takeError();
    return Slot->toPtr<void **>();
  }

  /// Whether \p Line is an #include of a header that holds a region (its
  /// spelled name is the end of the header's path).
  bool includesRegionHeader(StringRef Line) const {
    StringRef L = Line.trim();
    if (!L.consume_front("#"))
      return false;
    L = L.ltrim();
    if (!L.consume_front("include"))
      return false;
    L = L.trim();
    if (L.size() < 2 || !(L.front() == '"' || L.front() == '<'))
      return false;
    char Close = L.front() == '"' ? '"' : '>';
    StringRef Name = L.drop_front().split(Close).first;
    if (Name.empty())
      return false;
    for (const std::string &Header : RegionHeaders)
      if (StringRef(Header).endswith("/" + Name.str()) || Header == Name)
        return true;
    return false;
  }

  /// Runs the passes on a freshly parsed partial translation unit. Regions
  /// of the unit itself are in the parsed buffer, shifted by \p Delta (it
  /// starts with a #line directive instead of the preamble); regions in
  /// headers are in those headers' own buffers.
  void check(clang::PartialTranslationUnit &PTU, long Delta,
             const std::vector<regions::Region> &Regions,
             const passes::PassPipeline &Passes, passes::PassResults &Results) {
    clang::ASTContext &Ctx = Candidates->getCompilerInstance()->getASTContext();
    clang::SourceManager &SM = Ctx.getSourceManager();
    std::vector<clang::Decl *> Decls(PTU.TUPart->decls_begin(),
                                     PTU.TUPart->decls_end());
    std::map<std::string, passes::FileRegions> Files;
    for (const regions::Region &R : Regions) {
      if (R.Unit != Unit)
        continue;
      auto [It, New] = Files.try_emplace(R.File);
      if (New)
        It->second.File =
            R.File == Unit ? unitBuffer(SM, Decls) : headerBuffer(SM, R.File);
      long Shift = R.File == Unit ? Delta : 0;
      It->second.Regions.push_back(
          {&R, unsigned(long(R.Begin) + Shift), unsigned(long(R.End) + Shift)});
    }
    std::vector<passes::FileRegions> InParse;
    for (auto &[File, F] : Files)
      if (F.File.isValid())
        InParse.push_back(std::move(F));
    Passes.run(Ctx, InParse, S, Results, Decls);
  }

  /// The buffer of this parse that stands for the unit: where a declaration
  /// presumes to be in the unit (the #line directive says so).
  clang::FileID unitBuffer(clang::SourceManager &SM,
                           ArrayRef<clang::Decl *> Decls) {
    for (clang::Decl *D : Decls) {
      clang::SourceLocation L = SM.getExpansionLoc(D->getLocation());
      clang::PresumedLoc P = SM.getPresumedLoc(L);
      if (P.isValid() && StringRef(P.getFilename()) == Unit)
        return SM.getFileID(L);
    }
    return clang::FileID();
  }

  clang::FileID headerBuffer(clang::SourceManager &SM, StringRef File) {
    auto Ref = SM.getFileManager().getOptionalFileRef(File);
    return Ref ? SM.translateFile(*Ref) : clang::FileID();
  }

  Error compile(const regions::FileOverrides &Overrides,
                const std::vector<regions::Region> &Regions,
                const passes::PassPipeline &Passes,
                passes::PassResults &Results,
                std::vector<regions::SourceDiagnostic> &Diagnostics,
                CandidateTimings &Timings) {
    auto Start = std::chrono::steady_clock::now();
    Parsed = nullptr;
    // A region's header gets the candidate's text before anything includes
    // it; the process is a fresh child, so this touches no other candidate.
    clang::SourceManager &SM =
        Candidates->getCompilerInstance()->getSourceManager();
    for (const auto &[Header, Baseline] : HeaderTexts) {
      auto O = Overrides.find(Header);
      // Looked up at setup, so the file is not opened again here.
      auto Ref = SM.getFileManager().getOptionalFileRef(Header,
                                                        /*OpenFile=*/false);
      if (!Ref)
        return createStringError(inconvertibleErrorCode(),
                                 "cannot find the header '%s'", Header.c_str());
      SM.overrideFileContents(
          *Ref, MemoryBuffer::getMemBufferCopy(
                    O != Overrides.end() ? O->second : Baseline, Header));
    }
    auto It = Overrides.find(Unit);
    const std::string &Text = It != Overrides.end() ? It->second : BaselineText;
    // The rest of the unit after the parsed preamble; a #line directive
    // keeps diagnostics and debug information at the real lines.
    std::string Input;
    long Delta;
    // Lifted constants (ADRS_PARAM) read the parameter table, whose address
    // every child of the zygote shares: tuning changes data, not code.
    std::string Params =
        formatv("#define ADRS_PARAM(i, v) ((decltype(v))((const "
                "double *){0:x})[i])\n",
                uintptr_t(parameterTable()));
    if (!Preamble.empty() && StringRef(Text).startswith(Preamble)) {
      unsigned Line = 1 + std::count(Preamble.begin(), Preamble.end(), '\n');
      std::string Prefix = Params + RegionIncludes + "#line " +
                           std::to_string(Line) + " \"" + Unit + "\"\n";
      Input = Prefix + Text.substr(Preamble.size());
      Delta = long(Prefix.size()) - long(Preamble.size());
    } else {
      std::string Prefix = Params + "#line 1 \"" + Unit + "\"\n";
      Input = Prefix + Text;
      Delta = long(Prefix.size());
    }
    CandidateDiagnostics.setOutput(&Diagnostics);
    Expected<clang::PartialTranslationUnit &> PTU = Candidates->Parse(Input);
    CandidateDiagnostics.setOutput(nullptr);
    if (!PTU) {
      consumeError(PTU.takeError());
      Timings.CompileMs = msSince(Start);
      return compileError("the candidate does not compile", Diagnostics);
    }
    if (!Passes.empty())
      check(*PTU, Delta, Regions, Passes, Results);
    Timings.CompileMs = msSince(Start);
    Parsed = &*PTU;
    return Error::success();
  }

  Error link(CandidateTimings &Timings) {
    if (!Parsed)
      return createStringError(inconvertibleErrorCode(),
                               "nothing compiled to link");
    auto LinkStart = std::chrono::steady_clock::now();
    clang::PartialTranslationUnit &PTU = *Parsed;
    Parsed = nullptr;
    if (Error E = Candidates->Execute(PTU))
      return E;
    for (const std::string &Name : Stubbed) {
      Expected<JITTargetAddress> Fn = Candidates->getSymbolAddress(Name);
      if (!Fn) {
        std::string Why = toString(Fn.takeError());
        return createStringError(inconvertibleErrorCode(),
                                 "cannot link the candidate's '%s', which the "
                                 "simulator or evaluator calls: %s",
                                 Name.c_str(), Why.c_str());
      }
      Expected<orc::ExecutorAddr> Slot = JIT->lookup("__adrs_ptr_" + Name);
      if (!Slot)
        return Slot.takeError();
      *Slot->toPtr<void **>() = reinterpret_cast<void *>(*Fn);
    }
    Timings.LinkMs = msSince(LinkStart);
    return Error::success();
  }
};

double *parameterTable() {
  static double Table[MaxParameters];
  return Table;
}

Engine::Engine(std::unique_ptr<Impl> I) : I(std::move(I)) {}
Engine::~Engine() = default;

double Engine::setupSeconds() const { return I->SetupMs / 1000; }

Expected<std::unique_ptr<Engine>>
Engine::create(const spec::Spec &S,
               const std::vector<regions::Region> &Regions) {
  if (Regions.empty())
    return createStringError(inconvertibleErrorCode(), "no regions");
  std::string Unit = Regions.front().Unit;
  for (const regions::Region &R : Regions)
    if (R.Unit != Unit)
      return createStringError(
          inconvertibleErrorCode(),
          "regions in more than one translation unit (%s and %s) are not "
          "supported yet; keep the regions of a problem in one file",
          Unit.c_str(), R.Unit.c_str());
  if (S.Evaluator.Kind != spec::EvaluatorKind::Function)
    return createStringError(inconvertibleErrorCode(),
                             "the engine runs C++ evaluators; this spec's "
                             "evaluator is a command");

  auto Start = std::chrono::steady_clock::now();
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  // Inline assembly in the sources is assembled by the JIT.
  InitializeNativeTargetAsmParser();
  auto I = std::make_unique<Impl>(S, Unit);
  for (const regions::Region &R : Regions)
    if (R.File != Unit)
      I->RegionHeaders.insert(R.File);
  Expected<std::unique_ptr<orc::LLJIT>> JIT = orc::LLJITBuilder().create();
  if (!JIT)
    return JIT.takeError();
  I->JIT = std::move(*JIT);
  // What the session cannot link is said once, in the error that reports
  // it, not printed to stderr on the side.
  I->JIT->getExecutionSession().setErrorReporter([Impl = I.get()](Error E) {
    std::string Text = toString(std::move(E));
    if (Impl->SessionErrors.size() < 4096)
      Impl->SessionErrors += (Impl->SessionErrors.empty() ? "" : "; ") + Text;
  });
  // The C and C++ runtime libraries come from this process.
  Expected<std::unique_ptr<orc::DynamicLibrarySearchGenerator>> Process =
      orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          I->JIT->getDataLayout().getGlobalPrefix());
  if (!Process)
    return Process.takeError();
  I->JIT->getMainJITDylib().addGenerator(std::move(*Process));

  // Everything compiled once: the sources and the evaluator, less the unit
  // with the regions.
  std::vector<std::string> Prebuilt;
  for (const std::string &F : S.Build.Sources)
    if (F != Unit && !is_contained(Prebuilt, F))
      Prebuilt.push_back(F);
  for (const std::string &F : S.Evaluator.Files)
    if (F != Unit && !is_contained(Prebuilt, F))
      Prebuilt.push_back(F);

  StringSet<> Referenced;
  std::map<std::string, std::pair<std::string, std::string>> Signatures;
  std::vector<std::pair<std::unique_ptr<Module>, std::unique_ptr<LLVMContext>>>
      Modules;
  // A pair destroys its context first: on an early return, each module must
  // go before the context it lives in.
  auto ModulesFirst = make_scope_exit([&] {
    for (auto &Entry : Modules)
      Entry.first.reset();
  });
  for (const std::string &File : Prebuilt) {
    auto Context = std::make_unique<LLVMContext>();
    std::vector<regions::SourceDiagnostic> Diags;
    Expected<std::unique_ptr<Module>> M =
        I->Compile.compile(File, {}, *Context, Diags);
    if (!M) {
      consumeError(M.takeError());
      return compileError("'" + File + "' does not compile", Diags);
    }
    for (const GlobalValue &G : (*M)->global_values())
      if (G.isDeclaration())
        Referenced.insert(G.getName());
    Modules.push_back({std::move(*M), std::move(Context)});
  }

  // What the region's unit defines that prebuilt code uses gets a stub. The
  // glue lives in the baseline's context so the stubs can copy its types
  // and attributes as they are.
  {
    auto Context = std::make_unique<LLVMContext>();
    std::vector<regions::SourceDiagnostic> Diags;
    Expected<std::unique_ptr<Module>> Baseline = I->Compile.compile(
        Unit, {}, *Context, Diags, /*UsePreamble=*/false,
        [&](clang::ASTContext &Ctx) { collectSignatures(Ctx, Signatures); });
    if (!Baseline) {
      consumeError(Baseline.takeError());
      return compileError("'" + Unit + "' does not compile", Diags);
    }
    // The simulator's own build: what it calls in the unit gets a stub too,
    // and its copy of the unit is left out.
    CompiledFiles Compiled{{{Unit, strongDefinitions(**Baseline)}}, {}};
    for (size_t K = 0; K < Prebuilt.size(); ++K)
      Compiled.Sources[Prebuilt[K]] = strongDefinitions(*Modules[K].first);
    Expected<std::unique_ptr<PrebuiltBinaries>> Binaries =
        PrebuiltBinaries::add(*I->JIT, S.Build.Links, Compiled);
    if (!Binaries)
      return Binaries.takeError();
    I->Binaries = std::move(*Binaries);
    for (const auto &Name : I->Binaries->referenced())
      Referenced.insert(Name.getKey());
    auto Glue = std::make_unique<Module>("adrs-glue", *Context);
    Glue->setDataLayout((*Baseline)->getDataLayout());
    Glue->setTargetTriple((*Baseline)->getTargetTriple());
    PointerType *Ptr = PointerType::getUnqual(*Context);
    for (const GlobalValue &G : (*Baseline)->global_values()) {
      if (!isStrongDefinition(G) || !Referenced.count(G.getName()))
        continue;
      const auto *F = dyn_cast<Function>(&G);
      if (!F)
        return createStringError(
            inconvertibleErrorCode(),
            "the simulator or evaluator uses the variable '%s' defined in "
            "'%s', the file with the regions; move it out of that file",
            G.getName().str().c_str(), Unit.c_str());
      FunctionType *FT = F->getFunctionType();
      auto *Stub = Function::Create(FT, GlobalValue::ExternalLinkage,
                                    F->getName(), *Glue);
      Stub->setCallingConv(F->getCallingConv());
      Stub->setAttributes(F->getAttributes());
      auto *Slot = new GlobalVariable(
          *Glue, Ptr, false, GlobalValue::ExternalLinkage,
          ConstantPointerNull::get(Ptr), "__adrs_ptr_" + F->getName());
      IRBuilder<> B(BasicBlock::Create(*Context, "entry", Stub));
      Value *Target = B.CreateLoad(Ptr, Slot);
      std::vector<Value *> Args;
      for (Argument &A : Stub->args())
        Args.push_back(&A);
      // A tail jump: whatever the signature, arguments and results pass
      // through untouched.
      CallInst *Call = B.CreateCall(FT, Target, Args);
      Call->setTailCallKind(CallInst::TCK_MustTail);
      Call->setCallingConv(F->getCallingConv());
      Call->setAttributes(F->getAttributes());
      if (FT->getReturnType()->isVoidTy())
        B.CreateRetVoid();
      else
        B.CreateRet(Call);
      I->Stubbed.push_back(F->getName().str());
      Impl::Crossing C;
      auto Sig = Signatures.find(F->getName().str());
      if (Sig == Signatures.end()) {
        C.Why = "the simulator calls '" + F->getName().str() +
                "', which is not a plain function of '" + Unit + "'";
      } else {
        C.Why = Sig->second.first;
        C.Type = Sig->second.second;
      }
      I->Crossings.push_back(std::move(C));
    }
    Baseline->reset();
    if (Error E = I->addModule(std::move(Glue), std::move(Context)))
      return std::move(E);
  }

  // The entry point: the evaluator, called through a C name.
  {
    std::string Text =
        "namespace adrs { class EvalContext; }\n"
        "void " +
        S.Evaluator.Function +
        "(adrs::EvalContext &);\n"
        "extern \"C\" void __adrs_entry(adrs::EvalContext &C) {\n"
        "  " +
        S.Evaluator.Function + "(C);\n}\n";
    auto Context = std::make_unique<LLVMContext>();
    std::vector<regions::SourceDiagnostic> Diags;
    Expected<std::unique_ptr<Module>> M =
        I->Compile.compileText("/adrs-entry/entry.cpp", Text, *Context, Diags);
    if (!M) {
      consumeError(M.takeError());
      return compileError("cannot build the evaluator's entry point", Diags);
    }
    Modules.push_back({std::move(*M), std::move(Context)});
  }
  for (auto &[M, Context] : Modules)
    if (Error E = I->addModule(std::move(M), std::move(Context)))
      return std::move(E);

  // Link and initialise the prebuilt code now, so children inherit it ready.
  Expected<orc::ExecutorAddr> Entry = I->JIT->lookup("__adrs_entry");
  if (!Entry) {
    consumeError(Entry.takeError());
    std::string Missing =
        I->SessionErrors.empty() ? "" : " (" + I->SessionErrors + ")";
    return createStringError(
        inconvertibleErrorCode(),
        "cannot link the evaluator: no function 'void %s(adrs::EvalContext "
        "&)' is defined in %s, or something it calls is missing%s",
        S.Evaluator.Function.c_str(),
        S.Evaluator.Files.empty() ? "the evaluator's files"
                                  : S.Evaluator.Files.front().c_str(),
        Missing.c_str());
  }
  if (Error E = I->Binaries->initialize())
    return std::move(E);
  if (Error E = I->JIT->initialize(I->JIT->getMainJITDylib()))
    return std::move(E);
  I->Entry = Entry->toPtr<Impl::EntryFn>();

  ErrorOr<std::unique_ptr<MemoryBuffer>> UnitText = MemoryBuffer::getFile(Unit);
  if (!UnitText)
    return createStringError(UnitText.getError(), "cannot read '%s'",
                             Unit.c_str());
  I->BaselineText = (*UnitText)->getBuffer().str();
  if (Error E = I->createInterpreter(I->BaselineText))
    return createStringError(inconvertibleErrorCode(),
                             "cannot prepare the incremental compiler for "
                             "'%s': %s",
                             Unit.c_str(), toString(std::move(E)).c_str());
  if (Error E = I->buildCrossings())
    return createStringError(inconvertibleErrorCode(),
                             "cannot prepare calls across processes: %s",
                             toString(std::move(E)).c_str());
  I->SetupMs = msSince(Start);
  return std::unique_ptr<Engine>(new Engine(std::move(I)));
}

Error Engine::compile(const regions::FileOverrides &Overrides,
                      const std::vector<regions::Region> &Regions,
                      const passes::PassPipeline &Passes,
                      passes::PassResults &Results,
                      std::vector<regions::SourceDiagnostic> &Diagnostics,
                      CandidateTimings &Timings) {
  return I->compile(Overrides, Regions, Passes, Results, Diagnostics, Timings);
}

Error Engine::link(CandidateTimings &Timings) { return I->link(Timings); }

std::string Engine::whyNotConfirmable() const {
  std::string Why;
  for (size_t K = 0; K < I->Stubbed.size(); ++K)
    if (!I->Crossings[K].Why.empty())
      Why += (Why.empty() ? "" : "; ") + I->Crossings[K].Why;
  if (I->Stubbed.empty() && Why.empty())
    Why = "the simulator calls nothing in '" + I->Unit + "'";
  return Why;
}

Error Engine::linkRemote(CallChannel &Channel,
                         void (*OnLost)(const char *Why)) {
  std::string Why = whyNotConfirmable();
  if (!Why.empty())
    return createStringError(inconvertibleErrorCode(),
                             "cannot confirm in a separate process: %s",
                             Why.c_str());
  Remote = &Channel;
  RemoteLost = OnLost;
  for (size_t K = 0; K < I->Stubbed.size(); ++K) {
    Expected<void **> Slot = I->slotOf(K);
    if (!Slot)
      return Slot.takeError();
    **Slot = I->Crossings[K].Proxy;
  }
  return Error::success();
}

Expected<uint64_t> Engine::serveRemote(CallChannel &Channel) {
  std::vector<void *> Targets;
  for (size_t K = 0; K < I->Stubbed.size(); ++K) {
    Expected<void **> Slot = I->slotOf(K);
    if (!Slot)
      return Slot.takeError();
    Targets.push_back(**Slot);
  }
  auto Bad = [](const Twine &What) {
    return createStringError(inconvertibleErrorCode(),
                             "a malformed call from the evaluator: " + What);
  };
  std::vector<char> In;
  // The result lands in 64-byte-aligned storage, whatever its type needs.
  struct alignas(64) Chunk {
    char Bytes[64];
  };
  std::vector<Chunk> Ret;
  adrs::CrossingWriter Back;
  uint64_t Calls = 0;
  for (;;) {
    std::optional<StringRef> Request = Channel.next();
    if (!Request)
      return Calls; // the evaluator is done
    if (Request->size() < CallHeadSize)
      return Bad("cut short");
    const char *Head = Request->data();
    uint32_t Fn;
    uint64_t InSize, RetSize, BackTotal;
    std::memcpy(&Fn, Head, 4);
    std::memcpy(&InSize, Head + 4, 8);
    std::memcpy(&RetSize, Head + 12, 8);
    std::memcpy(&BackTotal, Head + 20, 8);
    if (Fn >= Targets.size() || !I->Crossings[Fn].Serve ||
        InSize != Request->size() - CallHeadSize ||
        RetSize > CallChannel::Capacity || BackTotal > CallChannel::Capacity ||
        1 + RetSize + BackTotal > CallChannel::Capacity)
      return Bad("function " + Twine(Fn));
    // The reply is written where the request is: the arguments move out
    // first.
    In.assign(Head + CallHeadSize, Head + CallHeadSize + InSize);
    Ret.assign(RetSize / 64 + 1, Chunk());
    Back.clear();
    bool Read = I->Crossings[Fn].Serve(Targets[Fn], In.data(), InSize,
                                       Ret.front().Bytes, &Back);
    ++Calls;
    char *Out = Channel.replyBuffer();
    bool Good = Read && Back.data().size() == BackTotal;
    Out[0] = Good ? 0 : 1;
    if (Good) {
      if (RetSize)
        std::memcpy(Out + 1, Ret.front().Bytes, RetSize);
      if (BackTotal)
        std::memcpy(Out + 1 + RetSize, Back.data().data(), BackTotal);
    }
    Channel.reply();
    if (!Good)
      return Bad("its arguments could not be read");
  }
}

void Engine::evaluate(EvalContext &Ctx, CandidateTimings &Timings) {
  auto Start = std::chrono::steady_clock::now();
  I->Entry(Ctx);
  Timings.RunMs = msSince(Start);
}

Error Engine::run(const regions::FileOverrides &Overrides, EvalContext &Ctx,
                  std::vector<regions::SourceDiagnostic> &Diagnostics,
                  CandidateTimings &Timings) {
  Expected<passes::PassPipeline> None = passes::PassPipeline::create({});
  if (!None)
    return None.takeError();
  passes::PassResults Ignored;
  if (Error E = I->compile(Overrides, {}, *None, Ignored, Diagnostics, Timings))
    return E;
  if (Error E = I->link(Timings))
    return E;
  evaluate(Ctx, Timings);
  return Error::success();
}

} // namespace jit
} // namespace adrs
