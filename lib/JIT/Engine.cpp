//===- Engine.cpp - Prebuilt code plus one candidate ----------------------===//

#include "adrs/JIT/Engine.h"
#include "adrs/JIT/ObjectMemory.h"

#include "adrs/JIT/CallChannel.h"
#include "adrs/JIT/Prebuilt.h"

#include "adrs/Crossing.h"
#include "adrs/Regions/Boundary.h"

#include "DiagnosticCollector.h"
#include "ReusableCode.h"
#include "SharedCode.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Mangle.h"
#include "clang/Basic/LangOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Basic/TargetInfo.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Interpreter/Interpreter.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ObjectFileInterface.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace jit {

namespace {

/// Where text was inserted into a unit before it was parsed: an offset in
/// the unit's own text and the number of characters put there.
using Insertions = std::vector<std::pair<size_t, size_t>>;

/// What goes before an out-of-line destructor definition (see
/// outOfLineDestructors): a macro defined before the unit, so that the
/// passes take it for the unit's own code, never for a region's.
constexpr StringRef DeclarationMark = "ADRS_OUT_OF_LINE_DESTRUCTOR ";
constexpr StringRef DeclarationMarkDefinition =
    "#define ADRS_OUT_OF_LINE_DESTRUCTOR inline __attribute__((used))\n";

/// Clang 16's incremental parser reads a namespace-scope line that begins
/// with a qualified destructor name, `Cache::~Cache() {}`, as a statement
/// (a call without an object) instead of the out-of-line definition it is,
/// and the unit does not compile; Clang 17 reads it right. Of the
/// specifiers a destructor may take, only `inline` makes Clang 16 read a
/// declaration there (an empty attribute list, a linkage block around it
/// or a leading `::` do not). `used` keeps the definition emitted, so that
/// the code outside the unit that calls it still finds it; it becomes a
/// weak definition, and a class whose key function it was gets its vtable
/// wherever the vtable is used, as with any inline destructor. Returns
/// where each such definition in \p Text begins; withDeclarationMarks puts
/// the specifiers there. \p Text must end in a NUL (a std::string does).
Insertions outOfLineDestructors(const std::string &Text) {
  clang::LangOptions LO;
  LO.CPlusPlus = true;
  LO.CPlusPlus17 = true;
  const char *B = Text.data();
  clang::Lexer L(clang::SourceLocation(), LO, B, B, B + Text.size());
  struct RawToken {
    clang::tok::TokenKind Kind;
    size_t Begin;
    StringRef Spelling;
  };
  std::vector<RawToken> Tokens;
  clang::Token Tok;
  for (;;) {
    L.LexFromRawLexer(Tok);
    size_t End = size_t(L.getBufferLocation() - B);
    // A preprocessor directive is not code at namespace scope.
    while (Tok.is(clang::tok::hash) && Tok.isAtStartOfLine()) {
      do
        L.LexFromRawLexer(Tok);
      while (!Tok.is(clang::tok::eof) && !Tok.isAtStartOfLine());
      End = size_t(L.getBufferLocation() - B);
    }
    if (Tok.is(clang::tok::eof))
      break;
    Tokens.push_back({Tok.getKind(), End - Tok.getLength(),
                      StringRef(B + End - Tok.getLength(), Tok.getLength())});
  }
  auto Is = [&](size_t I, clang::tok::TokenKind K) {
    return I < Tokens.size() && Tokens[I].Kind == K;
  };
  auto Word = [&](size_t I, StringRef W) {
    return Is(I, clang::tok::raw_identifier) && Tokens[I].Spelling == W;
  };
  // The braces open at a token: true for a namespace or an extern "C++"
  // block, whose contents are at namespace scope too.
  std::vector<bool> Braces;
  size_t DeclStart = 0; // the first token of the current declaration
  Insertions Found;
  for (size_t I = 0; I < Tokens.size(); ++I) {
    if (I == DeclStart && llvm::all_of(Braces, [](bool N) { return N; })) {
      // [::] NAME :: [NAME ::]... ~ NAME (
      size_t J = I + Is(I, clang::tok::coloncolon);
      size_t Names = 0;
      while (Is(J, clang::tok::raw_identifier) &&
             Is(J + 1, clang::tok::coloncolon)) {
        J += 2;
        ++Names;
      }
      if (Names > 0 && Is(J, clang::tok::tilde) &&
          Is(J + 1, clang::tok::raw_identifier) &&
          Is(J + 2, clang::tok::l_paren))
        Found.push_back({Tokens[I].Begin, DeclarationMark.size()});
    }
    switch (Tokens[I].Kind) {
    case clang::tok::l_brace:
      Braces.push_back(
          Word(DeclStart, "namespace") ||
          (Word(DeclStart, "inline") && Word(DeclStart + 1, "namespace")) ||
          (Word(DeclStart, "extern") &&
           Is(DeclStart + 1, clang::tok::string_literal)));
      DeclStart = I + 1;
      break;
    case clang::tok::r_brace:
      if (!Braces.empty())
        Braces.pop_back();
      DeclStart = I + 1;
      break;
    case clang::tok::semi:
      DeclStart = I + 1;
      break;
    default:
      break;
    }
  }
  return Found;
}

/// \p Part, which begins at offset \p Base of a unit's text, with the
/// declaration mark at each of \p Marks that falls inside it (on the same
/// line, so that line numbers stay).
std::string withDeclarationMarks(StringRef Part, size_t Base,
                                 const Insertions &Marks) {
  std::string Out;
  size_t Copied = 0;
  for (const auto &[At, Length] : Marks) {
    if (At < Base || At >= Base + Part.size())
      continue;
    Out += Part.slice(Copied, At - Base);
    Out += DeclarationMark;
    Copied = At - Base;
  }
  Out += Part.substr(Copied);
  return Out;
}

/// How far an offset of a unit's text moved in the text parsed: by \p Delta
/// and by every insertion before it.
long shiftOf(size_t Offset, long Delta, const Insertions &Inserted) {
  long Shift = Delta;
  for (const auto &[At, Length] : Inserted)
    if (At < Offset)
      Shift += long(Length);
  return Shift;
}

/// The macros every parse of a candidate unit's code begins with. Lifted
/// constants (ADRS_PARAM) read the parameter table, whose address every
/// child of the zygote shares: tuning changes data, not code.
std::string unitMacros() {
  return formatv("#define ADRS_PARAM(i, v) ((decltype(v))((const "
                 "double *){0:x})[i])\n",
                 uintptr_t(parameterTable()))
             .str() +
         DeclarationMarkDefinition.str();
}

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

  /// The symbols it has defined in the candidate's JIT: a candidate that
  /// defines one of them itself takes its place (Impl::link).
  const std::set<orc::SymbolStringPtr> &borrowed() const { return Borrowed; }

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
      Borrowed.insert(Name);
    }
    if (Found.empty())
      return Error::success();
    return JD.define(orc::absoluteSymbols(std::move(Found)));
  }

private:
  orc::LLJIT &J;
  std::set<orc::SymbolStringPtr> Borrowed;
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

namespace {

/// A unit's candidate as object code: what generate() makes and link()
/// links, and what another child forked from the same engine can adopt.
struct CompiledUnit {
  std::string Object; ///< Empty: the parse made no code.
  /// Whether the object defines InitialiserName.
  bool HasInitialisers = false;
  /// The functions its compile left out (CandidateUnit::LeftOut).
  std::vector<std::string> LeftOut;
};

/// The function generate() gathers a candidate unit's static initialisers
/// into, for link() to call once the object is linked: the interpreter's
/// JIT runs the initialisers of the IR modules it compiles itself, not of
/// object code added to it.
constexpr const char *InitialiserName = "__adrs_candidate_initialisers";
/// The same for a unit's #include block when it is linked with each
/// candidate (CandidateUnit::BlockObject).
constexpr const char *BlockInitialiserName =
    "__adrs_include_block_initialisers";

/// A translation unit a candidate may change: it holds a region, or it
/// includes a header that holds one (a region in a header is compiled in
/// every unit that includes it, so that they agree). Each has an
/// incremental compiler of its own that holds the unit's #include block
/// already parsed, so a candidate pays only for the code after it, and only
/// when it changed the unit.
struct CandidateUnit {
  std::string Path;
  /// Headers with regions that the unit includes. They are never part of
  /// the parsed preamble: a candidate brings its own text for them.
  std::set<std::string> RegionHeaders;
  /// Links the object code made here into the unit's JIT (ObjectMemory.h
  /// says why not with that JIT's own layer). Declared before the compiler
  /// so that it outlives the JIT's session, which releases its objects.
  std::unique_ptr<orc::RTDyldObjectLinkingLayer> Objects;
  std::unique_ptr<clang::Interpreter> Compiler;
  DiagnosticCollector Diagnostics{nullptr};
  std::string Preamble; ///< The unit's leading #include block.
  /// The #include lines of the preamble that name a region's header, each
  /// after a #line directive for its place: parsed with every candidate,
  /// not with the preamble.
  std::string RegionIncludes;
  /// Each region header's text at setup: a sandboxed child may not read
  /// files, so every parse gets the header from memory.
  std::map<std::string, std::string> HeaderTexts;
  /// The unit as it was at setup, for the same reason.
  std::string BaselineText;
  /// The unit as it was at setup, parsed once, for the passes over a
  /// candidate that leaves it as it is (only when there are several units:
  /// with one, every candidate compiles it).
  std::unique_ptr<regions::SourceParser> BaselineParse;
  /// The top-level declarations of that parse in the unit and its region
  /// headers: what the passes traverse, as in a candidate's own parse.
  std::vector<clang::Decl *> BaselineDecls;
  /// The last compile's parse, until it is linked; null when the last
  /// candidate left this unit as it was.
  clang::PartialTranslationUnit *Parsed = nullptr;
  /// What the warm-up instantiated, compiled once for every candidate.
  SharedCode Shared;
  /// The unit's functions no region reaches: a candidate's parse leaves
  /// them out and calls the baseline's (ReusableCode.h).
  ReusableCode Reusable;
  /// The unit's regions at setup, [Begin, End) in the order of the text,
  /// and their names: what a candidate's regions are matched with.
  std::vector<std::pair<size_t, size_t>> BaselineRegions;
  std::vector<std::string> RegionNames;
  /// The regions of each region header at setup, [Begin, End) in the
  /// order of its text.
  std::map<std::string, std::vector<std::pair<size_t, size_t>>>
      BaselineHeaderRegions;
  /// The names of the functions the last compile left out.
  std::set<std::string> LeftOut;
  /// Generates the unit's candidates' object code, set up as the
  /// interpreter's own JIT is: object code made here, before anything
  /// runs, can be kept and linked in another child.
  std::unique_ptr<TargetMachine> Machine;
  /// The last candidate's object code, from generate() or adopt(), until
  /// it is linked.
  std::optional<CompiledUnit> Compiled;
  /// Where the unit's JIT finds the engine's symbols.
  EngineSymbols *Borrowed = nullptr;
  /// What the engine's copy of the unit defines (not weakly).
  StringSet<> Defines;
  /// The #include block's object code, when the block uses what the rest
  /// of the unit defines (a header's static object initialised with a class
  /// whose vtable the unit emits): it is linked, and its initialisers run,
  /// in each child with the candidate, as in an ordinary build, so that
  /// they bind to the candidate's definitions and not the baseline's.
  /// Empty: the block was linked and run at setup.
  std::string BlockObject;
  bool BlockHasInitialisers = false;

  /// The incremental compiler's JIT, once something has been executed.
  /// Clang 16 hands it out as const only; adding code or a symbol generator
  /// to it is what Execute() itself does.
  orc::LLJIT *jit() const {
    return const_cast<orc::LLJIT *>(Compiler->getExecutionEngine());
  }

  bool changedBy(const regions::FileOverrides &Overrides) const {
    if (Overrides.count(Path))
      return true;
    for (const std::string &Header : RegionHeaders)
      if (Overrides.count(Header))
        return true;
    return false;
  }

  /// The header with a region that \p Line #includes (matched by its
  /// spelled name being the end of the header's path), if it is one.
  std::optional<std::string> regionHeaderIn(StringRef Line) const {
    StringRef L = Line.trim();
    if (!L.consume_front("#"))
      return std::nullopt;
    L = L.ltrim();
    if (!L.consume_front("include"))
      return std::nullopt;
    L = L.trim();
    if (L.size() < 2 || !(L.front() == '"' || L.front() == '<'))
      return std::nullopt;
    char Close = L.front() == '"' ? '"' : '>';
    StringRef Name = L.drop_front().split(Close).first;
    if (Name.empty())
      return std::nullopt;
    for (const std::string &Header : RegionHeaders)
      if (StringRef(Header).endswith("/" + Name.str()) || Header == Name)
        return Header;
    return std::nullopt;
  }

  /// The line of the unit's text where the code after its preamble begins.
  unsigned firstLineAfterPreamble() const {
    return 1 + std::count(Preamble.begin(), Preamble.end(), '\n');
  }

  bool includesRegionHeader(StringRef Line) const {
    return regionHeaderIn(Line).has_value();
  }
};

/// A function of a candidate unit that code outside the unit calls: the
/// simulator, the evaluator or another candidate unit. Callers reach it
/// through a forwarding stub whose slot points at the baseline's definition
/// until a candidate that changes the unit is linked.
struct Stub {
  std::string Name; ///< Its IR (mangled) name.
  size_t Unit = 0;  ///< Index of the unit that defines it.
  /// Prebuilt code calls it, so a confirmation calls it across processes.
  bool CalledByPrebuilt = false;
  /// Why it cannot be called across processes; empty when it can.
  std::string Why;
  std::string Type; ///< Its C++ type, fully qualified.
  void *Proxy = nullptr;
  bool (*Serve)(void *Target, const char *In, unsigned long Size, void *Ret,
                adrs::CrossingWriter *Back) = nullptr;
};

} // namespace

struct Engine::Impl {
  const spec::Spec &S;
  /// What the prebuilt code's session could not link, for the error.
  std::string SessionErrors;
  Compiler Compile;
  std::unique_ptr<orc::LLJIT> JIT;
  /// The simulator's own build (`link`) in the JIT.
  std::unique_ptr<PrebuiltBinaries> Binaries;
  std::vector<std::unique_ptr<CandidateUnit>> Units;
  std::vector<Stub> Stubs;
  /// Runs -O2 on the candidate units' modules: their incremental compilers
  /// generate code only, so that shared code is taken out first.
  std::unique_ptr<ModuleOptimizer> Optimizer;
  /// Whether a compile may leave out the functions no region reaches.
  bool Reuse = true;
  double SetupMs = 0;
  using EntryFn = void (*)(EvalContext &);
  EntryFn Entry = nullptr;

  explicit Impl(const spec::Spec &S) : S(S), Compile(S.Build) {}

  Error addModule(std::unique_ptr<Module> M,
                  std::unique_ptr<LLVMContext> Context) {
    return JIT->addIRModule(
        orc::ThreadSafeModule(std::move(M), std::move(Context)));
  }

  /// Gives the #include block's internal C++ symbols (a header's `static`
  /// variables and functions) external linkage, hidden: the code after the
  /// block is parsed as a module of its own, which names them as
  /// declarations, and would not find a module's internal symbol.
  static void exposeInternals(Module &M) {
    for (GlobalValue &G : M.global_values())
      if (G.hasInternalLinkage() && G.getName().startswith("_Z")) {
        G.setLinkage(GlobalValue::ExternalLinkage);
        G.setVisibility(GlobalValue::HiddenVisibility);
      }
  }

  Error createInterpreter(CandidateUnit &U) {
    Expected<std::vector<std::string>> Arguments = regions::compilerArguments(
        S.Build, U.Path, regions::UnitRole::Candidate);
    if (!Arguments)
      return Arguments.takeError();
    std::vector<std::string> &Args = *Arguments;
    Args.erase(Args.begin()); // the interpreter takes no program name
    Args.push_back("-O2");
    // The -O2 pipeline runs after the candidate's copies of shared code are
    // taken out of its module (compileUnit, SharedCode.h), not in the parse.
    Args.push_back("-Xclang");
    Args.push_back("-disable-llvm-passes");
    // Type-based alias metadata is cached across the incremental compiler's
    // modules, and Clang 16 reads a freed node of it when a later module
    // emits a vtable pointer store (a constructor of a class with virtual
    // functions): the child crashes in CodeGenModule::
    // getTBAAVTablePtrAccessInfo, at random, depending on what was freed.
    // Without type-based aliasing no such metadata is made.
    Args.push_back("-fno-strict-aliasing");
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
    U.Compiler = std::move(*Interp);
    // Diagnostics become data for feedback rather than text on stderr.
    U.Compiler->getCompilerInstance()->getDiagnostics().setClient(
        &U.Diagnostics, /*ShouldOwnClient=*/false);
    // As clang::IncrementalExecutor sets up its JIT's, so that the code is
    // what that JIT would have made.
    const clang::TargetInfo &Target =
        U.Compiler->getCompilerInstance()->getTarget();
    orc::JITTargetMachineBuilder Builder(Target.getTriple());
    Builder.addFeatures(Target.getTargetOpts().Features);
    Expected<std::unique_ptr<TargetMachine>> Machine =
        Builder.createTargetMachine();
    if (!Machine)
      return Machine.takeError();
    U.Machine = std::move(*Machine);
    StringRef Text = U.BaselineText;
    clang::LangOptions LO;
    LO.CPlusPlus = true;
    clang::PreambleBounds Bounds = clang::Lexer::ComputePreamble(Text, LO);
    U.Preamble = Text.take_front(Bounds.Size).str();
    // A header with a region changes with the candidate, so its #include is
    // taken out of the preamble parsed here and parsed with each candidate
    // (the line stays, blank, so that lines keep their numbers).
    std::string Parsed;
    SmallVector<StringRef, 32> Lines;
    StringRef(U.Preamble).split(Lines, '\n');
    for (size_t L = 0; L < Lines.size(); ++L) {
      bool Last = L + 1 == Lines.size();
      if (std::optional<std::string> Header = U.regionHeaderIn(Lines[L])) {
        // By its absolute path: the candidate's parse is of a buffer with no
        // directory, whose quoted includes would be looked for where the
        // sandboxed child happens to run.
        U.RegionIncludes += "#line " + std::to_string(L + 1) + " \"" + U.Path +
                            "\"\n#include \"" + *Header + "\"\n";
        Parsed += Last ? "" : "\n";
      } else {
        Parsed += Lines[L].str() + (Last ? "" : "\n");
      }
    }
    // Executing something creates the interpreter's JIT. It gets the
    // engine's symbols before the #include block runs: a static object
    // there may be initialised with what the rest of the unit defines (a
    // vtable whose key function is in the unit, as a self-registering
    // factory's is), which the engine has linked already.
    if (Error E = U.Compiler->ParseAndExecute(
            "namespace adrs_internal { inline int ready() { return 1; } }\n"))
      return E;
    orc::LLJIT *CandidateJIT = U.jit();
    if (!CandidateJIT)
      return createStringError(inconvertibleErrorCode(),
                               "the incremental compiler has no JIT");
    U.Borrowed = &CandidateJIT->getMainJITDylib().addGenerator(
        std::make_unique<EngineSymbols>(*JIT));
    U.Objects = createObjectLayer(CandidateJIT->getExecutionSession());
    Expected<clang::PartialTranslationUnit &> Block =
        U.Compiler->Parse("#line 1 \"" + U.Path + "\"\n" + Parsed + "\n");
    if (!Block)
      return Block.takeError();
    if (Block->TheModule) {
      Module &M = *Block->TheModule;
      exposeInternals(M);
      bool UsesUnit = llvm::any_of(M.global_values(), [&](GlobalValue &G) {
        return G.isDeclaration() && U.Defines.count(G.getName());
      });
      if (!UsesUnit) {
        if (Error E = linkModule(U, M, "include-block"))
          return E;
      } else {
        U.BlockHasInitialisers = gatherInitialisers(M, BlockInitialiserName);
        Expected<std::string> Object = objectCode(*U.Machine, M);
        if (!Object)
          return Object.takeError();
        U.BlockObject = std::move(*Object);
      }
    }
    // A region header that came in through another header is in the
    // preamble now, and a candidate's text of it could not be compiled.
    clang::SourceManager &SM =
        U.Compiler->getCompilerInstance()->getSourceManager();
    for (const std::string &Header : U.RegionHeaders) {
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
            Header.c_str(), U.Path.c_str(), U.Path.c_str());
      ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(Header);
      if (!B)
        return createStringError(B.getError(), "cannot read '%s'",
                                 Header.c_str());
      U.HeaderTexts[Header] = (*B)->getBuffer().str();
    }
    return Error::success();
  }

  /// Parses unit \p U once as it is, for the passes over candidates that
  /// leave it unchanged.
  Error parseBaseline(CandidateUnit &U) {
    Expected<std::unique_ptr<regions::SourceParser>> P =
        regions::SourceParser::create(S.Build, U.Path,
                                      regions::UnitRole::Candidate);
    if (!P)
      return P.takeError();
    if ((*P)->hasErrors())
      return compileError("'" + U.Path + "' does not compile",
                          (*P)->diagnostics());
    U.BaselineParse = std::move(*P);
    clang::ASTContext &Ctx = U.BaselineParse->ast().getASTContext();
    clang::SourceManager &SM = Ctx.getSourceManager();
    std::set<clang::FileID> Own{SM.getMainFileID()};
    for (const std::string &Header : U.RegionHeaders)
      Own.insert(headerBuffer(SM, Header));
    for (clang::Decl *D : Ctx.getTranslationUnitDecl()->decls()) {
      clang::SourceLocation L = SM.getExpansionLoc(D->getLocation());
      if (L.isValid() && Own.count(SM.getFileID(L)))
        U.BaselineDecls.push_back(D);
    }
    return Error::success();
  }

  /// The crossing code for the stubs \p Which, all of unit \p U: a
  /// translation unit of the unit's own headers (less those with regions),
  /// the templates, and a proxy and a server per function.
  std::string crossingUnit(const CandidateUnit &U,
                           ArrayRef<size_t> Which) const {
    std::string Text;
    SmallVector<StringRef, 32> Lines;
    StringRef(U.Preamble).split(Lines, '\n');
    for (StringRef L : Lines)
      Text += U.includesRegionHeader(L) ? "\n" : L.str() + "\n";
    Text += CrossingPrelude;
    for (size_t I : Which) {
      std::string N = std::to_string(I), Sig = "adrs_confirm_sig_" + N;
      Text += "using " + Sig + " = " + Stubs[I].Type + ";\n";
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
  /// whose arguments can be copied, into the engine's JIT (a translation
  /// unit per candidate unit, so every template it uses is instantiated);
  /// the others keep their reason.
  Error buildCrossings() {
    bool Defined = false;
    for (size_t UI = 0; UI < Units.size(); ++UI) {
      const CandidateUnit &U = *Units[UI];
      std::vector<size_t> Candidates;
      for (size_t I = 0; I < Stubs.size(); ++I)
        if (Stubs[I].Unit == UI && Stubs[I].CalledByPrebuilt &&
            Stubs[I].Why.empty())
          Candidates.push_back(I);
      if (Candidates.empty())
        continue;
      if (!Defined) {
        if (Error E = JIT->getMainJITDylib().define(orc::absoluteSymbols(
                {{JIT->mangleAndIntern("__adrs_remote_call"),
                  JITEvaluatedSymbol(pointerToJITTargetAddress(&adrsRemoteCall),
                                     JITSymbolFlags::Exported)}})))
          return E;
        Defined = true;
      }
      // Beside the unit, so that its quoted #includes are found.
      std::string Name = U.Path + ".adrs-crossing.cpp";
      auto Context = std::make_unique<LLVMContext>();
      std::vector<regions::SourceDiagnostic> Diags;
      Expected<std::unique_ptr<Module>> M = Compile.compileText(
          Name, crossingUnit(U, Candidates), *Context, Diags);
      if (!M) {
        consumeError(M.takeError());
        // Which of them cannot be named outside the unit: each alone.
        std::vector<size_t> Fine;
        for (size_t I : Candidates) {
          LLVMContext Probe;
          std::vector<regions::SourceDiagnostic> Why;
          Expected<std::unique_ptr<Module>> One =
              Compile.compileText(Name, crossingUnit(U, {I}), Probe, Why);
          if (One) {
            Fine.push_back(I);
            continue;
          }
          consumeError(One.takeError());
          Stubs[I].Why =
              "its type '" + Stubs[I].Type + "' cannot be named outside '" +
              U.Path + "'" +
              (Why.empty() ? std::string() : " (" + Why.front().Message + ")");
        }
        if (Fine.empty())
          continue;
        Candidates = Fine;
        Diags.clear();
        M = Compile.compileText(Name, crossingUnit(U, Candidates), *Context,
                                Diags);
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
          Stubs[I].Why =
              "its proxy could not be linked: " + toString(std::move(Why));
          continue;
        }
        Stubs[I].Proxy = Proxy->toPtr<void *(*)()>()();
        Stubs[I].Serve = Serve->toPtr<decltype(Stubs[I].Serve)>();
      }
    }
    return Error::success();
  }

  /// The address a stub's slot holds.
  Expected<void **> slotOf(size_t I) {
    Expected<orc::ExecutorAddr> Slot =
        JIT->lookup("__adrs_ptr_" + Stubs[I].Name);
    if (!Slot)
      return Slot.takeError();
    return Slot->toPtr<void **>();
  }

  /// The regions of unit \p U in a parse, file by file, at their places in
  /// that parse's buffers: the unit's own shifted by \p Delta and the text
  /// \p Inserted before them, those in
  /// headers as they are.
  std::vector<passes::FileRegions>
  regionsOf(const CandidateUnit &U, clang::SourceManager &SM,
            const std::vector<regions::Region> &Regions, long Delta,
            const Insertions &Inserted,
            llvm::function_ref<clang::FileID()> UnitFile) {
    std::map<std::string, passes::FileRegions> Files;
    for (const regions::Region &R : Regions) {
      if (R.Unit != U.Path)
        continue;
      auto [It, New] = Files.try_emplace(R.File);
      if (New)
        It->second.File =
            R.File == U.Path ? UnitFile() : headerBuffer(SM, R.File);
      auto Shift = [&](size_t Offset) {
        return R.File == U.Path ? shiftOf(Offset, Delta, Inserted) : 0;
      };
      It->second.Regions.push_back({&R,
                                    unsigned(long(R.Begin) + Shift(R.Begin)),
                                    unsigned(long(R.End) + Shift(R.End))});
    }
    std::vector<passes::FileRegions> InParse;
    for (auto &[File, F] : Files)
      if (F.File.isValid())
        InParse.push_back(std::move(F));
    return InParse;
  }

  /// Runs the passes on a freshly parsed partial translation unit. Regions
  /// of the unit itself are in the parsed buffer, shifted by \p Delta (it
  /// starts with a #line directive instead of the preamble); regions in
  /// headers are in those headers' own buffers.
  void check(CandidateUnit &U, clang::PartialTranslationUnit &PTU, long Delta,
             const Insertions &Inserted,
             const std::vector<regions::Region> &Regions,
             const passes::PassPipeline &Passes, passes::PassResults &Results) {
    clang::ASTContext &Ctx = U.Compiler->getCompilerInstance()->getASTContext();
    clang::SourceManager &SM = Ctx.getSourceManager();
    std::vector<clang::Decl *> Decls(PTU.TUPart->decls_begin(),
                                     PTU.TUPart->decls_end());
    Passes.run(Ctx,
               regionsOf(U, SM, Regions, Delta, Inserted,
                         [&] { return unitBuffer(U, SM, Decls); }),
               S, Results, Decls);
  }

  /// The passes over unit \p U as it was at setup, for a candidate that
  /// leaves it unchanged: its regions still have fingerprints, features and
  /// constants, as if it had been compiled again.
  void checkBaseline(CandidateUnit &U,
                     const std::vector<regions::Region> &Regions,
                     const passes::PassPipeline &Passes,
                     passes::PassResults &Results) {
    clang::ASTContext &Ctx = U.BaselineParse->ast().getASTContext();
    clang::SourceManager &SM = Ctx.getSourceManager();
    Passes.run(
        Ctx,
        regionsOf(U, SM, Regions, 0, {}, [&] { return SM.getMainFileID(); }), S,
        Results, U.BaselineDecls);
  }

  /// The buffer of this parse that stands for the unit: where a declaration
  /// presumes to be in the unit (the #line directive says so).
  clang::FileID unitBuffer(const CandidateUnit &U, clang::SourceManager &SM,
                           ArrayRef<clang::Decl *> Decls) {
    for (clang::Decl *D : Decls) {
      clang::SourceLocation L = SM.getExpansionLoc(D->getLocation());
      clang::PresumedLoc P = SM.getPresumedLoc(L);
      if (P.isValid() && StringRef(P.getFilename()) == U.Path)
        return SM.getFileID(L);
    }
    return clang::FileID();
  }

  clang::FileID headerBuffer(clang::SourceManager &SM, StringRef File) {
    auto Ref = SM.getFileManager().getOptionalFileRef(File);
    return Ref ? SM.translateFile(*Ref) : clang::FileID();
  }

  /// What a function's IR name stands for in C++, for messages.
  static std::string readable(StringRef Name) {
    std::string Demangled = llvm::demangle(Name.str());
    return Demangled.empty() ? Name.str() : Demangled;
  }

  /// Who calls stub \p I, for messages.
  std::string callersOf(size_t I) const {
    return Stubs[I].CalledByPrebuilt ? "the simulator or evaluator"
                                     : "another file a candidate may change";
  }

  /// \p Text, \p U's text in a candidate, without the functions no region
  /// reaches (their names go to U.LeftOut); nothing when they cannot be
  /// left out: no candidate regions to match the baseline's, or text
  /// outside the regions, the unit's or its region headers', that is not
  /// the baseline's.
  std::optional<std::string>
  reducedText(CandidateUnit &U, const std::string &Text,
              const regions::FileOverrides &Overrides,
              const std::vector<regions::Region> &Regions) const {
    if (!Reuse || U.Reusable.Functions.empty())
      return std::nullopt;
    // The reused code was compiled with the region headers as they were:
    // outside their regions, the candidate's must be the same.
    for (const auto &[Header, From] : U.BaselineHeaderRegions) {
      auto Given = Overrides.find(Header);
      auto Baseline = U.HeaderTexts.find(Header);
      if (Baseline == U.HeaderTexts.end())
        return std::nullopt;
      if (Given == Overrides.end())
        continue; // the baseline's text
      std::vector<std::pair<size_t, size_t>> To;
      for (const regions::Region &R : Regions)
        if (R.File == Header)
          To.push_back({R.Begin, R.End});
      llvm::sort(To);
      if (!sameOutsideRegions(Given->second, Baseline->second, From, To))
        return std::nullopt;
    }
    std::vector<const regions::Region *> Own;
    for (const regions::Region &R : Regions)
      if (R.File == U.Path)
        Own.push_back(&R);
    if (Own.size() != U.BaselineRegions.size())
      return std::nullopt;
    llvm::sort(Own, [](const regions::Region *A, const regions::Region *B) {
      return A->Begin < B->Begin;
    });
    std::vector<std::pair<size_t, size_t>> To;
    for (size_t I = 0; I < Own.size(); ++I) {
      if (Own[I]->Name != U.RegionNames[I] || Own[I]->End < Own[I]->Begin ||
          (I && Own[I]->Begin < Own[I - 1]->End))
        return std::nullopt;
      To.push_back({Own[I]->Begin, Own[I]->End});
    }
    return withoutReusableCode(Text, U.BaselineText, U.Reusable,
                               U.BaselineRegions, To, U.LeftOut);
  }

  Error compileUnit(CandidateUnit &U, const regions::FileOverrides &Overrides,
                    const std::vector<regions::Region> &Regions,
                    const passes::PassPipeline &Passes,
                    passes::PassResults &Results,
                    std::vector<regions::SourceDiagnostic> &Diagnostics) {
    // A region's header gets the candidate's text before anything includes
    // it; the process is a fresh child, so this touches no other candidate.
    clang::SourceManager &SM =
        U.Compiler->getCompilerInstance()->getSourceManager();
    for (const auto &[Header, Baseline] : U.HeaderTexts) {
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
    auto It = Overrides.find(U.Path);
    const std::string &Given =
        It != Overrides.end() ? It->second : U.BaselineText;
    // The functions no region reaches are left out, and the baseline's are
    // called, when the text outside the candidate's regions is the
    // baseline's; offsets and lines stay as they are.
    U.LeftOut.clear();
    std::optional<std::string> Reduced =
        reducedText(U, Given, Overrides, Regions);
    const std::string &Text = Reduced ? *Reduced : Given;
    // The rest of the unit after the parsed preamble; a #line directive
    // keeps diagnostics and debug information at the real lines.
    std::string Input;
    long Delta;
    const Insertions Inserted = outOfLineDestructors(Text);
    std::string Params = unitMacros();
    if (!U.Preamble.empty() && StringRef(Text).startswith(U.Preamble)) {
      unsigned Line = U.firstLineAfterPreamble();
      std::string Prefix = Params + U.RegionIncludes + "#line " +
                           std::to_string(Line) + " \"" + U.Path + "\"\n";
      Input = Prefix +
              withDeclarationMarks(StringRef(Text).substr(U.Preamble.size()),
                                   U.Preamble.size(), Inserted);
      Delta = long(Prefix.size()) - long(U.Preamble.size());
    } else {
      // The whole unit is parsed here (a reference, or a candidate that
      // changed the #include block): its includes of region headers name
      // them by absolute path too, or the sandboxed child would look for
      // them where it cannot read. Only those before the first region are
      // rewritten, so that every region moves by the same amount.
      size_t FirstRegion = Text.size();
      for (const regions::Region &R : Regions)
        if (R.File == U.Path)
          FirstRegion = std::min(FirstRegion, R.Begin);
      std::string Head;
      size_t At = 0, MarksInHead = 0;
      while (At < FirstRegion) {
        size_t End = Text.find('\n', At);
        End = End == std::string::npos ? Text.size() : End + 1;
        if (End > FirstRegion)
          break;
        StringRef Line = StringRef(Text).slice(At, End);
        std::optional<std::string> Header = U.regionHeaderIn(Line);
        if (Header) {
          Head += "#include \"" + *Header + "\"\n";
        } else {
          std::string Marked = withDeclarationMarks(Line, At, Inserted);
          MarksInHead += Marked.size() - Line.size();
          Head += Marked;
        }
        At = End;
      }
      std::string Prefix = Params + "#line 1 \"" + U.Path + "\"\n";
      Input = Prefix + Head +
              withDeclarationMarks(StringRef(Text).substr(At), At, Inserted);
      Delta = long(Prefix.size()) + long(Head.size()) - long(At) -
              long(MarksInHead);
    }
    U.Diagnostics.setOutput(&Diagnostics);
    Expected<clang::PartialTranslationUnit &> PTU = U.Compiler->Parse(Input);
    U.Diagnostics.setOutput(nullptr);
    if (!PTU) {
      consumeError(PTU.takeError());
      return compileError("the candidate does not compile", Diagnostics);
    }
    // A function left out is the baseline's; a candidate that defines it
    // anyway (in a region) would define it twice in the whole unit.
    if (PTU->TheModule)
      for (const std::string &Name : U.LeftOut)
        if (const Function *F = PTU->TheModule->getFunction(Name);
            F && !F->isDeclaration())
          return createStringError(inconvertibleErrorCode(),
                                   "the candidate defines '%s' a second time",
                                   readable(Name).c_str());
    // A function that other code calls must still be defined here: without
    // it the stub would find itself, and the call would never return.
    std::vector<std::string> Missing;
    size_t UI = indexOf(U);
    for (size_t I = 0; I < Stubs.size(); ++I) {
      if (Stubs[I].Unit != UI || U.LeftOut.count(Stubs[I].Name))
        continue;
      const Function *F =
          PTU->TheModule ? PTU->TheModule->getFunction(Stubs[I].Name) : nullptr;
      if (!F || F->isDeclaration())
        Missing.push_back("the candidate no longer defines '" +
                          readable(Stubs[I].Name) + "', which " + callersOf(I) +
                          " calls");
    }
    if (!Missing.empty())
      return createStringError(inconvertibleErrorCode(), join(Missing, "; "));
    if (PTU->TheModule) {
      U.Shared.share(*PTU->TheModule);
      Optimizer->optimize(*PTU->TheModule);
    }
    if (!Passes.empty())
      check(U, *PTU, Delta, Inserted, Regions, Passes, Results);
    U.Parsed = &*PTU;
    return Error::success();
  }

  /// The namespace the warm-up's own code is parsed in, so that a
  /// candidate's definitions of the same functions are not redefinitions.
  static constexpr const char *WarmNamespace = "__adrs_warm";

  /// The unit's code after its preamble, as it was at setup, wrapped in
  /// WarmNamespace; empty when the warm-up could change how a candidate
  /// parses: a preprocessor line would leave its macro behind, and a region
  /// header would be included before the candidate's text of it.
  std::string warmUpText(const CandidateUnit &U) const {
    if (!U.RegionHeaders.empty() || U.Preamble.empty() ||
        !StringRef(U.BaselineText).startswith(U.Preamble))
      return "";
    StringRef Body = StringRef(U.BaselineText).drop_front(U.Preamble.size());
    SmallVector<StringRef, 64> Lines;
    Body.split(Lines, '\n');
    for (StringRef Line : Lines)
      if (Line.ltrim().startswith("#"))
        return "";
    return unitMacros() + "namespace " + WarmNamespace + " {\n#line " +
           std::to_string(U.firstLineAfterPreamble()) + " \"" + U.Path +
           "\"\n" + Body.str() + "\n}\n";
  }

  /// Parses \p Text in unit \p U and compiles it: its instantiations become
  /// shared code.
  Error warmUp(CandidateUnit &U, const std::string &Text) {
    Expected<clang::PartialTranslationUnit &> PTU = U.Compiler->Parse(Text);
    if (!PTU)
      return PTU.takeError();
    if (PTU->TheModule) {
      U.Shared.take(*PTU->TheModule, WarmNamespace);
      Optimizer->optimize(*PTU->TheModule);
    }
    if (PTU->TheModule)
      if (Error E = linkModule(U, *PTU->TheModule, "warm-up"))
        return E;
    // Compiled here, once, rather than in every child that calls it.
    if (!U.Shared.empty())
      if (Expected<JITTargetAddress> A =
              U.Compiler->getSymbolAddress(U.Shared.any());
          !A)
        return A.takeError();
    return Error::success();
  }

  /// Warms unit \p U up when a trial in a child process shows the warm-up
  /// leaves the unit's own code compiling and linking as before: the
  /// warm-up cannot be undone, and a unit it breaks is compiled without it.
  /// Returns whether it did.
  bool warmUpIfHarmless(CandidateUnit &U) {
    std::string Text = warmUpText(U);
    if (Text.empty())
      return false;
    pid_t Trial = fork();
    if (Trial < 0)
      return false;
    if (Trial == 0) {
      bool Fine = false;
      if (Error E = warmUp(U, Text)) {
        consumeError(std::move(E));
      } else {
        passes::PassResults Results;
        std::vector<regions::SourceDiagnostic> Diagnostics;
        CandidateTimings Timings;
        regions::FileOverrides None;
        Expected<passes::PassPipeline> NoPasses =
            passes::PassPipeline::create({});
        if (!NoPasses)
          consumeError(NoPasses.takeError());
        else if (Error E =
                     compileUnit(U, None, {}, *NoPasses, Results, Diagnostics))
          consumeError(std::move(E));
        else if (Error E = link(Timings))
          consumeError(std::move(E));
        else
          Fine = true;
      }
      _exit(Fine ? 0 : 1);
    }
    int Status = 0;
    while (waitpid(Trial, &Status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(Status) || WEXITSTATUS(Status) != 0)
      return false;
    if (Error E = warmUp(U, Text)) {
      // The trial passed, so this is not expected; the unit's state is
      // unknown, and setup must not go on with it.
      WarmUpFailure = toString(std::move(E));
      return false;
    }
    return true;
  }

  /// Why a warm-up that passed its trial failed, if one did.
  std::string WarmUpFailure;

  size_t indexOf(const CandidateUnit &U) const {
    for (size_t I = 0; I < Units.size(); ++I)
      if (Units[I].get() == &U)
        return I;
    return Units.size();
  }

  Error compile(const regions::FileOverrides &Overrides,
                const std::vector<regions::Region> &Regions,
                const passes::PassPipeline &Passes,
                passes::PassResults &Results,
                std::vector<regions::SourceDiagnostic> &Diagnostics,
                CandidateTimings &Timings) {
    auto Start = std::chrono::steady_clock::now();
    // A unit the candidate leaves as it is keeps the baseline's code, linked
    // at setup; a candidate that changes nothing (the baseline itself) is
    // compiled whole, so that it is checked as any other.
    bool ChangesAny = false;
    for (auto &U : Units) {
      U->Parsed = nullptr;
      U->Compiled.reset();
      ChangesAny |= U->changedBy(Overrides);
    }
    for (auto &U : Units) {
      if (!ChangesAny || U->changedBy(Overrides)) {
        if (Error E = compileUnit(*U, Overrides, Regions, Passes, Results,
                                  Diagnostics)) {
          for (auto &Other : Units)
            Other->Parsed = nullptr;
          Timings.CompileMs = msSince(Start);
          return E;
        }
      } else if (!Passes.empty()) {
        checkBaseline(*U, Regions, Passes, Results);
      }
    }
    Timings.CompileMs = msSince(Start);
    return Error::success();
  }

  /// Takes the static initialisers out of \p M into one function, \p Name,
  /// that runs them in their order; returns whether there were any.
  static bool gatherInitialisers(Module &M, StringRef Name) {
    std::vector<std::pair<unsigned, Function *>> Inits;
    for (const orc::CtorDtorIterator::Element &E : orc::getConstructors(M)) {
      // One keyed to a variable (an inline or template static member) runs
      // where the variable is defined, as ORC's own runner decides: its
      // guard keeps it from running twice.
      const auto *Key =
          E.Data ? dyn_cast<GlobalValue>(E.Data->stripPointerCasts()) : nullptr;
      if (E.Func && (!E.Data || (Key && !Key->isDeclaration())))
        Inits.push_back({E.Priority, E.Func});
    }
    GlobalVariable *Ctors = M.getNamedGlobal("llvm.global_ctors");
    if (!Ctors)
      return false;
    Ctors->eraseFromParent();
    if (Inits.empty())
      return false;
    llvm::stable_sort(
        Inits, [](const auto &A, const auto &B) { return A.first < B.first; });
    LLVMContext &Context = M.getContext();
    Function *All =
        Function::Create(FunctionType::get(Type::getVoidTy(Context), false),
                         GlobalValue::ExternalLinkage, Name, M);
    IRBuilder<> B(BasicBlock::Create(Context, "", All));
    for (const auto &[Priority, F] : Inits)
      B.CreateCall(F->getFunctionType(), F);
    B.CreateRetVoid();
    return true;
  }

  /// Calls \p Name, a function gatherInitialisers() made, in \p J.
  static Error runInitialisers(orc::LLJIT &J, StringRef Name) {
    Expected<orc::ExecutorAddr> Init = J.lookup(Name);
    if (!Init)
      return Init.takeError();
    Init->toPtr<void (*)()>()();
    return Error::success();
  }

  /// \p M's object code, made by \p Machine.
  static Expected<std::string> objectCode(TargetMachine &Machine, Module &M) {
    orc::SimpleCompiler Compiler(Machine);
    Expected<std::unique_ptr<MemoryBuffer>> Object = Compiler(M);
    if (!Object)
      return Object.takeError();
    return (*Object)->getBuffer().str();
  }

  /// Links \p Object into unit \p U's JIT.
  static Error addObject(CandidateUnit &U, StringRef Object, StringRef Name) {
    return U.Objects->add(U.jit()->getMainJITDylib(),
                          MemoryBuffer::getMemBufferCopy(Object, Name));
  }

  /// Compiles \p M, links it into unit \p U's JIT and runs its static
  /// initialisers, as the interpreter's Execute() would, but through
  /// addObject().
  static Error linkModule(CandidateUnit &U, Module &M, StringRef Name) {
    const std::string Initialisers = "__adrs_" + Name.str() + "_initialisers";
    bool HasInitialisers = gatherInitialisers(M, Initialisers);
    Expected<std::string> Object = objectCode(*U.Machine, M);
    if (!Object)
      return Object.takeError();
    if (Error E = addObject(U, *Object, Name))
      return E;
    if (!HasInitialisers)
      return Error::success();
    return runInitialisers(*U.jit(), Initialisers);
  }

  Error generate(CandidateTimings &Timings) {
    auto Start = std::chrono::steady_clock::now();
    for (auto &U : Units) {
      if (!U->Parsed)
        continue;
      clang::PartialTranslationUnit &PTU = *U->Parsed;
      U->Parsed = nullptr;
      CompiledUnit C;
      C.LeftOut.assign(U->LeftOut.begin(), U->LeftOut.end());
      if (PTU.TheModule) {
        C.HasInitialisers = gatherInitialisers(*PTU.TheModule, InitialiserName);
        Expected<std::string> Object = objectCode(*U->Machine, *PTU.TheModule);
        if (!Object)
          return Object.takeError();
        C.Object = std::move(*Object);
      }
      U->Compiled = std::move(C);
    }
    Timings.CompileMs += msSince(Start);
    return Error::success();
  }

  /// The format of compiled(): a tag, then per unit its index, whether it
  /// has initialisers, the names left out and the object, each size first.
  static constexpr StringLiteral CompiledTag = "adrs-compiled-1";

  std::string compiled() const {
    std::string Out = CompiledTag.str();
    auto Put = [&Out](uint64_t N) {
      Out.append(reinterpret_cast<const char *>(&N), sizeof(N));
    };
    auto PutText = [&](StringRef T) {
      Put(T.size());
      Out += T;
    };
    bool Any = false;
    for (size_t UI = 0; UI < Units.size(); ++UI) {
      const std::optional<CompiledUnit> &C = Units[UI]->Compiled;
      if (!C)
        continue;
      Any = true;
      Put(UI);
      Put(C->HasInitialisers);
      Put(C->LeftOut.size());
      for (const std::string &Name : C->LeftOut)
        PutText(Name);
      PutText(C->Object);
    }
    return Any ? Out : std::string();
  }

  Error adopt(StringRef Bytes) {
    auto Bad = [](const Twine &Why) {
      return createStringError(inconvertibleErrorCode(),
                               "cannot adopt the compiled candidate: " + Why);
    };
    for (auto &U : Units) {
      U->Parsed = nullptr;
      U->Compiled.reset();
    }
    if (!Bytes.consume_front(CompiledTag))
      return Bad("it is not one");
    auto Get = [&Bytes](uint64_t &N) {
      if (Bytes.size() < sizeof(N))
        return false;
      std::memcpy(&N, Bytes.data(), sizeof(N));
      Bytes = Bytes.drop_front(sizeof(N));
      return true;
    };
    auto GetText = [&](std::string &T) {
      uint64_t N;
      if (!Get(N) || N > Bytes.size())
        return false;
      T = Bytes.take_front(N).str();
      Bytes = Bytes.drop_front(N);
      return true;
    };
    bool Any = false;
    while (!Bytes.empty()) {
      uint64_t UI, Inits, Names;
      if (!Get(UI) || !Get(Inits) || !Get(Names))
        return Bad("it is cut short");
      if (UI >= Units.size() || Units[UI]->Compiled || Inits > 1 ||
          Names > Bytes.size())
        return Bad("it names unit " + Twine(UI) + " wrongly");
      CompiledUnit C;
      C.HasInitialisers = Inits;
      C.LeftOut.resize(Names);
      for (std::string &Name : C.LeftOut)
        if (!GetText(Name))
          return Bad("it is cut short");
      if (!GetText(C.Object))
        return Bad("it is cut short");
      Units[UI]->Compiled = std::move(C);
      Any = true;
    }
    if (!Any)
      return Bad("it holds no unit");
    return Error::success();
  }

  /// What \p Object defines (not weakly) that \p U's JIT borrowed from
  /// the engine for code linked at setup is taken out of the JIT, so that
  /// the candidate's own definition takes its place rather than clash with
  /// it: the #include block's static objects may use what the rest of the
  /// unit defines (a vtable whose key function is there), which the
  /// candidate defines again.
  static Error takeBackBorrowed(CandidateUnit &U, orc::LLJIT &CandidateJIT,
                                StringRef Object, StringRef Name) {
    if (U.Borrowed->borrowed().empty())
      return Error::success();
    Expected<orc::MaterializationUnit::Interface> Defines =
        orc::getObjectFileInterface(CandidateJIT.getExecutionSession(),
                                    MemoryBufferRef(Object, Name));
    if (!Defines)
      return Defines.takeError();
    orc::SymbolNameSet Taken;
    for (const auto &[Symbol, Flags] : Defines->SymbolFlags)
      if (!Flags.isWeak() && U.Borrowed->borrowed().count(Symbol))
        Taken.insert(Symbol);
    if (Taken.empty())
      return Error::success();
    return CandidateJIT.getMainJITDylib().remove(Taken);
  }

  Error link(CandidateTimings &Timings) {
    bool Parsed = false;
    for (auto &U : Units)
      Parsed |= U->Parsed != nullptr;
    if (Parsed)
      if (Error E = generate(Timings))
        return E;
    bool Any = false;
    for (auto &U : Units)
      Any |= U->Compiled.has_value();
    if (!Any)
      return createStringError(inconvertibleErrorCode(),
                               "nothing compiled to link");
    auto LinkStart = std::chrono::steady_clock::now();
    std::vector<bool> Linked(Units.size(), false);
    for (size_t UI = 0; UI < Units.size(); ++UI) {
      CandidateUnit &U = *Units[UI];
      if (!U.Compiled)
        continue;
      CompiledUnit C = std::move(*U.Compiled);
      U.Compiled.reset();
      U.LeftOut = std::set<std::string>(C.LeftOut.begin(), C.LeftOut.end());
      if (!C.Object.empty()) {
        orc::LLJIT &CandidateJIT = *U.jit();
        std::string Name = "candidate-unit-" + std::to_string(UI);
        if (Error E = takeBackBorrowed(U, CandidateJIT, C.Object, Name))
          return E;
        if (Error E = addObject(U, C.Object, Name))
          return E;
        if (!U.BlockObject.empty()) {
          if (Error E = addObject(U, U.BlockObject, Name + "-block"))
            return E;
          if (U.BlockHasInitialisers)
            if (Error E = runInitialisers(CandidateJIT, BlockInitialiserName))
              return E;
        }
        if (C.HasInitialisers)
          if (Error E = runInitialisers(CandidateJIT, InitialiserName))
            return E;
      }
      Linked[UI] = true;
    }
    for (size_t I = 0; I < Stubs.size(); ++I) {
      if (!Linked[Stubs[I].Unit])
        continue;
      CandidateUnit &U = *Units[Stubs[I].Unit];
      const std::string &Name = Stubs[I].Name;
      // Left out of the candidate: the stub keeps the baseline's.
      if (U.LeftOut.count(Name))
        continue;
      Expected<JITTargetAddress> Fn = U.Compiler->getSymbolAddress(Name);
      if (!Fn) {
        std::string Why = toString(Fn.takeError());
        return createStringError(inconvertibleErrorCode(),
                                 "cannot link the candidate's '%s', which %s "
                                 "calls: %s",
                                 Name.c_str(), callersOf(I).c_str(),
                                 Why.c_str());
      }
      // Found through the engine: the stub itself, not a definition.
      Expected<orc::ExecutorAddr> Own = JIT->lookup(Name);
      if (Own && Own->getValue() == *Fn)
        return createStringError(inconvertibleErrorCode(),
                                 "the candidate no longer defines '%s', which "
                                 "%s calls",
                                 readable(Name).c_str(), callersOf(I).c_str());
      if (!Own)
        consumeError(Own.takeError());
      Expected<void **> Slot = slotOf(I);
      if (!Slot)
        return Slot.takeError();
      **Slot = reinterpret_cast<void *>(*Fn);
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

std::vector<std::string> Engine::reusedFunctionNames() const {
  std::vector<std::string> Names;
  for (const auto &U : I->Units)
    for (const ReusableFunction &F : U->Reusable.Functions) {
      std::string Readable = Impl::readable(F.Name);
      Names.push_back(StringRef(Readable).split('(').first.str());
    }
  return Names;
}

void Engine::setReuse(bool On) { I->Reuse = On; }

std::string Engine::whyNoReuse() const {
  std::string Why;
  for (const auto &U : I->Units)
    if (U->Reusable.Functions.empty() && !U->Reusable.WhyNone.empty())
      Why += (Why.empty() ? "" : "; ") + U->Path + ": " + U->Reusable.WhyNone;
  return Why;
}

size_t Engine::sharedFunctions() const {
  size_t N = 0;
  for (const auto &U : I->Units)
    N += U->Shared.size();
  return N;
}

namespace {

/// A forwarding stub \p Name with \p F's type in \p Glue: a tail jump through
/// the slot
/// `__adrs_ptr_NAME`, so that whatever the signature, arguments and results
/// pass through untouched.
void addStub(Module &Glue, const Function &F, StringRef Name) {
  LLVMContext &Context = Glue.getContext();
  FunctionType *FT = F.getFunctionType();
  auto *Stub = Function::Create(FT, GlobalValue::ExternalLinkage, Name, Glue);
  Stub->setCallingConv(F.getCallingConv());
  Stub->setAttributes(F.getAttributes());
  PointerType *Ptr = PointerType::getUnqual(Context);
  auto *Slot =
      new GlobalVariable(Glue, Ptr, false, GlobalValue::ExternalLinkage,
                         ConstantPointerNull::get(Ptr), "__adrs_ptr_" + Name);
  IRBuilder<> B(BasicBlock::Create(Context, "entry", Stub));
  Value *Target = B.CreateLoad(Ptr, Slot);
  std::vector<Value *> Args;
  for (Argument &A : Stub->args())
    Args.push_back(&A);
  CallInst *Call = B.CreateCall(FT, Target, Args);
  Call->setTailCallKind(CallInst::TCK_MustTail);
  Call->setCallingConv(F.getCallingConv());
  Call->setAttributes(F.getAttributes());
  if (FT->getReturnType()->isVoidTy())
    B.CreateRetVoid();
  else
    B.CreateRet(Call);
}

/// The name the baseline's definition of a stubbed function takes.
std::string baselineName(StringRef Name) {
  return ("__adrs_base_" + Name).str();
}

} // namespace

Expected<std::unique_ptr<Engine>>
Engine::create(const spec::Spec &S,
               const std::vector<regions::Region> &Regions) {
  if (Regions.empty())
    return createStringError(inconvertibleErrorCode(), "no regions");
  if (S.Evaluator.Kind != spec::EvaluatorKind::Function)
    return createStringError(inconvertibleErrorCode(),
                             "the engine runs C++ evaluators; this spec's "
                             "evaluator is a command");

  auto Start = std::chrono::steady_clock::now();
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  // Inline assembly in the sources is assembled by the JIT.
  InitializeNativeTargetAsmParser();
  auto I = std::make_unique<Impl>(S);
  Expected<std::unique_ptr<orc::LLJIT>> JIT =
      orc::LLJITBuilder()
          .setObjectLinkingLayerCreator(
              [](orc::ExecutionSession &ES, const Triple &)
                  -> Expected<std::unique_ptr<orc::ObjectLayer>> {
                return createObjectLayer(ES);
              })
          .create();
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

  // Every file is compiled once here. Those a candidate may change (a
  // region's unit, or a unit that includes a region's header) keep their
  // baseline code behind stubs; the rest is the prebuilt code.
  std::set<std::string> RegionUnits, RegionHeaders;
  for (const regions::Region &R : Regions) {
    RegionUnits.insert(R.Unit);
    if (R.File != R.Unit)
      RegionHeaders.insert(R.File);
  }
  std::vector<std::string> Files;
  for (const std::string &F : S.Build.Sources)
    if (!is_contained(Files, F))
      Files.push_back(F);
  for (const std::string &F : S.Evaluator.Files)
    if (!is_contained(Files, F))
      Files.push_back(F);
  for (const std::string &F : RegionUnits)
    if (!is_contained(Files, F))
      Files.push_back(F);

  StringSet<> Referenced, ReferencedByPrebuilt;
  std::map<std::string, std::pair<std::string, std::string>> Signatures;
  // The context is declared first so that it is destroyed last: on an
  // early return each module must go before the context it lives in.
  struct CompiledFile {
    std::unique_ptr<LLVMContext> Context;
    std::unique_ptr<Module> M;
    std::string File;
  };
  std::vector<CompiledFile> Prebuilt, Baselines;
  for (const std::string &File : Files) {
    auto Context = std::make_unique<LLVMContext>();
    std::vector<regions::SourceDiagnostic> Diags;
    std::set<std::string> Includes;
    bool IsCandidateUnit = RegionUnits.count(File);
    // The unit's own regions, for what of it a candidate may leave out.
    std::vector<const regions::Region *> OwnRegions;
    for (const regions::Region &R : Regions)
      if (R.File == File)
        OwnRegions.push_back(&R);
    llvm::sort(OwnRegions,
               [](const regions::Region *A, const regions::Region *B) {
                 return A->Begin < B->Begin;
               });
    ReusableCode Reusable;
    // The regions of the region headers the unit includes, each header's
    // in the order of its text.
    std::map<std::string, std::vector<std::pair<size_t, size_t>>> HeaderRegions;
    Expected<std::unique_ptr<Module>> M = I->Compile.compile(
        File, {}, *Context, Diags, /*UsePreamble=*/false,
        [&](clang::ASTContext &Ctx) {
          clang::SourceManager &SM = Ctx.getSourceManager();
          for (const std::string &Header : RegionHeaders) {
            auto Ref = SM.getFileManager().getOptionalFileRef(
                Header, /*OpenFile=*/false);
            if (Ref && SM.translateFile(*Ref).isValid())
              Includes.insert(Header);
          }
          if (IsCandidateUnit || !Includes.empty())
            collectSignatures(Ctx, Signatures);
          for (const regions::Region &R : Regions)
            if (Includes.count(R.File))
              HeaderRegions[R.File].push_back({R.Begin, R.End});
          for (auto &[Header, Ranges] : HeaderRegions)
            llvm::sort(Ranges);
          if (!OwnRegions.empty() || !Includes.empty()) {
            std::vector<std::pair<size_t, size_t>> Ranges;
            for (const regions::Region *R : OwnRegions)
              Ranges.push_back({R->Begin, R->End});
            Reusable = findReusableCode(Ctx, Ranges, HeaderRegions);
          }
        });
    if (!M) {
      consumeError(M.takeError());
      return compileError("'" + File + "' does not compile", Diags);
    }
    IsCandidateUnit |= !Includes.empty();
    for (const GlobalValue &G : (*M)->global_values())
      if (G.isDeclaration()) {
        Referenced.insert(G.getName());
        if (!IsCandidateUnit)
          ReferencedByPrebuilt.insert(G.getName());
      }
    if (IsCandidateUnit) {
      auto U = std::make_unique<CandidateUnit>();
      U->Path = File;
      U->RegionHeaders = std::move(Includes);
      U->Reusable = std::move(Reusable);
      for (const regions::Region *R : OwnRegions) {
        U->BaselineRegions.push_back({R->Begin, R->End});
        U->RegionNames.push_back(R->Name);
      }
      U->BaselineHeaderRegions = std::move(HeaderRegions);
      I->Units.push_back(std::move(U));
      Baselines.push_back({std::move(Context), std::move(*M), File});
    } else {
      Prebuilt.push_back({std::move(Context), std::move(*M), File});
    }
  }

  // The simulator's own build: what it calls in a candidate unit gets a stub
  // too, and its copies of the candidate units are left out.
  {
    CompiledFiles Compiled;
    for (const CompiledFile &B : Baselines) {
      Compiled.Units[B.File] = strongDefinitions(*B.M);
      for (auto &U : I->Units)
        if (U->Path == B.File)
          U->Defines = Compiled.Units[B.File];
    }
    for (const CompiledFile &P : Prebuilt)
      Compiled.Sources[P.File] = strongDefinitions(*P.M);
    Expected<std::unique_ptr<PrebuiltBinaries>> Binaries =
        PrebuiltBinaries::add(*I->JIT, S.Build.Links, Compiled);
    if (!Binaries)
      return Binaries.takeError();
    I->Binaries = std::move(*Binaries);
    for (const auto &Name : I->Binaries->referenced()) {
      Referenced.insert(Name.getKey());
      ReferencedByPrebuilt.insert(Name.getKey());
    }
  }

  // What a candidate unit defines that other code uses gets a stub; the
  // baseline's definition is renamed, and the stub points at it until a
  // candidate that changes the unit is linked.
  std::map<std::string, std::string> DefinedIn;
  for (size_t UI = 0; UI < Baselines.size(); ++UI) {
    CompiledFile &B = Baselines[UI];
    const std::string &Unit = B.File;
    std::vector<Function *> Renamed;
    for (GlobalValue &G : B.M->global_values()) {
      if (!isStrongDefinition(G) || !Referenced.count(G.getName()))
        continue;
      auto *F = dyn_cast<Function>(&G);
      if (!F)
        return createStringError(
            inconvertibleErrorCode(),
            "the simulator or evaluator uses the variable '%s' defined in "
            "'%s', a file a candidate may change; move it out of that file",
            G.getName().str().c_str(), Unit.c_str());
      auto [Other, New] = DefinedIn.try_emplace(F->getName().str(), Unit);
      if (!New)
        return createStringError(inconvertibleErrorCode(),
                                 "'%s' is defined in both '%s' and '%s'",
                                 Impl::readable(F->getName()).c_str(),
                                 Other->second.c_str(), Unit.c_str());
      Stub St;
      St.Name = F->getName().str();
      St.Unit = UI;
      St.CalledByPrebuilt = ReferencedByPrebuilt.count(F->getName());
      auto Sig = Signatures.find(St.Name);
      if (Sig == Signatures.end()) {
        St.Why = "the simulator calls '" + Impl::readable(St.Name) +
                 "', which is not a plain function of '" + Unit + "'";
      } else {
        St.Why = Sig->second.first;
        St.Type = Sig->second.second;
      }
      I->Stubs.push_back(std::move(St));
      Renamed.push_back(F);
    }
    // The stubs live in the baseline's module: the unit's own calls stay
    // direct, everyone else's go through the slot.
    for (Function *F : Renamed) {
      std::string Name = F->getName().str();
      F->setName(baselineName(Name));
      addStub(*B.M, *F, Name);
    }
    if (Error E = I->addModule(std::move(B.M), std::move(B.Context)))
      return std::move(E);
  }
  for (CompiledFile &P : Prebuilt)
    if (Error E = I->addModule(std::move(P.M), std::move(P.Context)))
      return std::move(E);

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
    if (Error E = I->addModule(std::move(*M), std::move(Context)))
      return std::move(E);
  }

  // Link the prebuilt code now, so children inherit it ready.
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
  // The stubs point at the baseline before any static initialiser runs: one
  // may call across units.
  for (size_t K = 0; K < I->Stubs.size(); ++K) {
    Expected<orc::ExecutorAddr> Base =
        I->JIT->lookup(baselineName(I->Stubs[K].Name));
    if (!Base)
      return Base.takeError();
    Expected<void **> Slot = I->slotOf(K);
    if (!Slot)
      return Slot.takeError();
    **Slot = Base->toPtr<void *>();
  }
  if (Error E = I->Binaries->initialize())
    return std::move(E);
  if (Error E = I->JIT->initialize(I->JIT->getMainJITDylib()))
    return std::move(E);
  I->Entry = Entry->toPtr<Impl::EntryFn>();

  if (!I->Units.empty()) {
    Expected<std::unique_ptr<ModuleOptimizer>> Optimizer =
        ModuleOptimizer::create();
    if (!Optimizer)
      return Optimizer.takeError();
    I->Optimizer = std::move(*Optimizer);
  }
  for (auto &U : I->Units) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> UnitText =
        MemoryBuffer::getFile(U->Path);
    if (!UnitText)
      return createStringError(UnitText.getError(), "cannot read '%s'",
                               U->Path.c_str());
    U->BaselineText = (*UnitText)->getBuffer().str();
    if (Error E = I->createInterpreter(*U))
      return createStringError(inconvertibleErrorCode(),
                               "cannot prepare the incremental compiler for "
                               "'%s': %s",
                               U->Path.c_str(), toString(std::move(E)).c_str());
    if (I->Units.size() > 1)
      if (Error E = I->parseBaseline(*U))
        return std::move(E);
  }
  if (Error E = I->buildCrossings())
    return createStringError(inconvertibleErrorCode(),
                             "cannot prepare calls across processes: %s",
                             toString(std::move(E)).c_str());
  for (auto &U : I->Units) {
    I->warmUpIfHarmless(*U);
    if (!I->WarmUpFailure.empty())
      return createStringError(inconvertibleErrorCode(),
                               "cannot compile '%s' ahead of its candidates: "
                               "%s",
                               U->Path.c_str(), I->WarmUpFailure.c_str());
  }
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

Error Engine::generate(CandidateTimings &Timings) {
  return I->generate(Timings);
}

std::string Engine::compiled() const { return I->compiled(); }

Error Engine::adopt(StringRef Compiled) { return I->adopt(Compiled); }

Error Engine::link(CandidateTimings &Timings) { return I->link(Timings); }

std::string Engine::whyNotConfirmable() const {
  // A unit of a real project has dozens of member functions the simulator
  // calls; the first few reasons say what kind of program this is, and the
  // note stays a line a person reads.
  constexpr size_t ReasonsShown = 3;
  std::string Why;
  bool Called = false;
  size_t Reasons = 0;
  for (const Stub &St : I->Stubs) {
    if (!St.CalledByPrebuilt)
      continue;
    Called = true;
    if (St.Why.empty())
      continue;
    if (++Reasons <= ReasonsShown)
      Why += (Why.empty() ? "" : "; ") + St.Why;
  }
  if (Reasons > ReasonsShown)
    Why += "; and " + std::to_string(Reasons - ReasonsShown) +
           " more functions the simulator calls";
  if (!Called && Why.empty()) {
    std::vector<std::string> Paths;
    for (const auto &U : I->Units)
      Paths.push_back("'" + U->Path + "'");
    Why = "the simulator calls nothing in " + join(Paths, " or ");
  }
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
  for (size_t K = 0; K < I->Stubs.size(); ++K) {
    if (!I->Stubs[K].CalledByPrebuilt)
      continue;
    Expected<void **> Slot = I->slotOf(K);
    if (!Slot)
      return Slot.takeError();
    **Slot = I->Stubs[K].Proxy;
  }
  return Error::success();
}

Expected<uint64_t> Engine::serveRemote(CallChannel &Channel) {
  std::vector<void *> Targets;
  for (size_t K = 0; K < I->Stubs.size(); ++K) {
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
    if (Fn >= Targets.size() || !I->Stubs[Fn].Serve ||
        InSize != Request->size() - CallHeadSize ||
        RetSize > CallChannel::Capacity || BackTotal > CallChannel::Capacity ||
        1 + RetSize + BackTotal > CallChannel::Capacity)
      return Bad("function " + Twine(Fn));
    // The reply is written where the request is: the arguments move out
    // first.
    In.assign(Head + CallHeadSize, Head + CallHeadSize + InSize);
    Ret.assign(RetSize / 64 + 1, Chunk());
    Back.clear();
    bool Read = I->Stubs[Fn].Serve(Targets[Fn], In.data(), InSize,
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
