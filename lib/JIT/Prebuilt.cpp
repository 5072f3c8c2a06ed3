//===- Prebuilt.cpp - The simulator's own build in the JIT ----------------===//

#include "adrs/JIT/Prebuilt.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/BinaryFormat/Magic.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/Object/Archive.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/TargetParser/Triple.h"

#include <dlfcn.h>
#include <link.h>

using namespace llvm;

namespace adrs {
namespace jit {

namespace {

Error fail(const Twine &Message) {
  return createStringError(inconvertibleErrorCode(), Message);
}

/// A symbol as a reader of C++ knows it: "'f(int)'", or the name as it is.
std::string spell(StringRef Symbol) {
  std::string Plain = demangle(Symbol.str());
  return Plain == Symbol ? "'" + Symbol.str() + "'"
                         : "'" + Plain + "' (" + Symbol.str() + ")";
}

/// Some element of \p A that is in \p B.
std::optional<StringRef> firstCommon(const StringSet<> &A,
                                     const StringSet<> &B) {
  std::optional<StringRef> First;
  for (const auto &E : A)
    if (B.count(E.getKey()) && (!First || E.getKey() < *First))
      First = E.getKey();
  return First;
}

enum class BinaryKind { Object, Archive, SharedLibrary };

/// What a linker sees of one object, archive member or shared library.
struct Piece {
  std::string Name; ///< The path, or "lib.a(member.o)".
  StringSet<> Strong;
  StringSet<> Weak;
  StringSet<> Undefined;
  bool HasInitializers = false;
  bool LeftOut = false;
};

/// A call a shared library makes through its procedure linkage table.
struct JumpSlot {
  uint64_t Offset; ///< Of the slot, from the library's load address.
  std::string Symbol;
};

struct Binary {
  std::string Path;
  BinaryKind Kind = BinaryKind::Object;
  std::unique_ptr<MemoryBuffer> Buffer;
  std::vector<Piece> Pieces; ///< One, or one per archive member.
  bool ArchiveHasSymbolTable = true;
  std::vector<JumpSlot> JumpSlots;
};

Error checkTarget(const object::ObjectFile &O, StringRef Name,
                  const Triple &Target) {
  bool SameFormat = (Target.isOSBinFormatELF() && O.isELF()) ||
                    (Target.isOSBinFormatMachO() && O.isMachO()) ||
                    (Target.isOSBinFormatCOFF() && O.isCOFF());
  if (O.getArch() == Target.getArch() && SameFormat)
    return Error::success();
  return fail("'" + Name + "' is built for " +
              Triple::getArchTypeName(Triple::ArchType(O.getArch())) + " (" +
              O.getFileFormatName() + "), but this machine runs " +
              Target.str() + ": build it for this machine");
}

Expected<Piece> readPiece(const object::ObjectFile &O, StringRef Name,
                          bool Dynamic) {
  Piece P;
  P.Name = Name.str();
  auto Read = [&](const object::SymbolRef &Sym) -> Error {
    Expected<uint32_t> Flags = Sym.getFlags();
    if (!Flags)
      return Flags.takeError();
    if (*Flags & object::SymbolRef::SF_FormatSpecific)
      return Error::success();
    Expected<StringRef> SymName = Sym.getName();
    if (!SymName)
      return SymName.takeError();
    if (SymName->empty())
      return Error::success();
    if (*Flags & object::SymbolRef::SF_Undefined)
      P.Undefined.insert(*SymName);
    else if (!(*Flags & object::SymbolRef::SF_Global))
      return Error::success();
    else if (*Flags &
             (object::SymbolRef::SF_Weak | object::SymbolRef::SF_Common))
      P.Weak.insert(*SymName);
    else
      P.Strong.insert(*SymName);
    return Error::success();
  };
  if (Dynamic) {
    for (const object::ELFSymbolRef &Sym :
         cast<object::ELFObjectFileBase>(O).getDynamicSymbolIterators())
      if (Error E = Read(Sym))
        return fail("cannot read the symbols of '" + Name +
                    "': " + toString(std::move(E)));
  } else {
    for (const object::SymbolRef &Sym : O.symbols())
      if (Error E = Read(Sym))
        return fail("cannot read the symbols of '" + Name +
                    "': " + toString(std::move(E)));
  }
  // Only an object's own initialisers are run by us; a shared library's run
  // when it is loaded.
  if (!Dynamic)
    for (const object::SectionRef &Section : O.sections()) {
      Expected<StringRef> SectionName = Section.getName();
      if (!SectionName) {
        consumeError(SectionName.takeError());
        continue;
      }
      if (SectionName->startswith(".init_array") ||
          SectionName->startswith(".ctors"))
        P.HasInitializers = true;
    }
  return std::move(P);
}

/// Why \p Name cannot be linked, from what its first bytes say it is.
std::string notLinkable(StringRef Name, file_magic Magic) {
  std::string Is;
  switch (Magic) {
  case file_magic::bitcode:
    return "'" + Name.str() +
           "' is LLVM bitcode (built with -flto?); build it without -flto";
  case file_magic::elf_executable:
    Is = "an executable, not";
    break;
  case file_magic::elf_core:
    Is = "a core dump, not";
    break;
  default:
    Is = "not";
    break;
  }
  return "'" + Name.str() + "' is " + Is +
         " an object (.o), a static archive (.a) or a shared library (.so)";
}

Expected<Binary> openBinary(StringRef Path, const Triple &Target) {
  Binary B;
  B.Path = Path.str();
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buffer = MemoryBuffer::getFile(
      Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buffer)
    return fail("cannot read '" + Path + "': " + Buffer.getError().message());
  B.Buffer = std::move(*Buffer);
  file_magic Magic = identify_magic(B.Buffer->getBuffer());

  if (Magic == file_magic::archive) {
    B.Kind = BinaryKind::Archive;
    Expected<std::unique_ptr<object::Archive>> A =
        object::Archive::create(B.Buffer->getMemBufferRef());
    if (!A)
      return fail("'" + Path +
                  "' is not a valid archive: " + toString(A.takeError()));
    B.ArchiveHasSymbolTable = (*A)->hasSymbolTable();
    Error Err = Error::success();
    for (const object::Archive::Child &C : (*A)->children(Err)) {
      Expected<StringRef> MemberName = C.getName();
      Expected<MemoryBufferRef> MemberBuffer = C.getMemoryBufferRef();
      if (!MemberName || !MemberBuffer) {
        consumeError(MemberName.takeError());
        Error E = MemberBuffer ? Error::success() : MemberBuffer.takeError();
        return fail("cannot read a member of '" + Path +
                    "': " + toString(std::move(E)));
      }
      std::string Name = (Path + "(" + *MemberName + ")").str();
      Expected<std::unique_ptr<object::ObjectFile>> O =
          object::ObjectFile::createObjectFile(*MemberBuffer);
      if (!O) {
        consumeError(O.takeError());
        return fail(
            notLinkable(Name, identify_magic(MemberBuffer->getBuffer())));
      }
      if (Error E = checkTarget(**O, Name, Target))
        return std::move(E);
      Expected<Piece> P = readPiece(**O, Name, /*Dynamic=*/false);
      if (!P)
        return P.takeError();
      B.Pieces.push_back(std::move(*P));
    }
    if (Err)
      return fail("cannot read the members of '" + Path +
                  "': " + toString(std::move(Err)));
    return std::move(B);
  }

  if (Magic != file_magic::elf_relocatable &&
      Magic != file_magic::elf_shared_object &&
      Magic != file_magic::macho_object && Magic != file_magic::coff_object)
    return fail(notLinkable(Path, Magic));
  Expected<std::unique_ptr<object::ObjectFile>> O =
      object::ObjectFile::createObjectFile(B.Buffer->getMemBufferRef());
  if (!O)
    return fail("cannot read '" + Path + "': " + toString(O.takeError()));
  if (Error E = checkTarget(**O, Path, Target))
    return std::move(E);
  B.Kind = Magic == file_magic::elf_shared_object ? BinaryKind::SharedLibrary
                                                  : BinaryKind::Object;
  Expected<Piece> P = readPiece(**O, Path, B.Kind == BinaryKind::SharedLibrary);
  if (!P)
    return P.takeError();
  B.Pieces.push_back(std::move(*P));
  if (B.Kind != BinaryKind::SharedLibrary)
    return std::move(B);

  // The library's calls to functions only the JIT defines are bound by us
  // (the dynamic linker cannot see the JIT), through the library's jump
  // slots.
  // (<link.h> brings <elf.h>, whose macros shadow llvm::ELF's names.)
  uint32_t JumpSlotType =
      Target.getArch() == Triple::x86_64    ? R_X86_64_JUMP_SLOT
      : Target.getArch() == Triple::aarch64 ? R_AARCH64_JUMP_SLOT
                                            : 0;
  for (const object::SectionRef &Section : (*O)->dynamic_relocation_sections())
    for (const object::RelocationRef &R : Section.relocations()) {
      if (R.getType() != JumpSlotType)
        continue;
      object::symbol_iterator Sym = R.getSymbol();
      if (Sym == (*O)->symbol_end())
        continue;
      Expected<StringRef> SymName = Sym->getName();
      if (!SymName) {
        consumeError(SymName.takeError());
        continue;
      }
      B.JumpSlots.push_back({R.getOffset(), SymName->str()});
    }
  return std::move(B);
}

/// The archive \p B without its left-out members, with a symbol table: what
/// the JIT searches for a member as a linker does.
Expected<std::unique_ptr<MemoryBuffer>> keptMembers(const Binary &B) {
  Expected<std::unique_ptr<object::Archive>> A =
      object::Archive::create(B.Buffer->getMemBufferRef());
  if (!A)
    return A.takeError();
  std::vector<NewArchiveMember> Kept;
  Error Err = Error::success();
  size_t Index = 0;
  for (const object::Archive::Child &C : (*A)->children(Err)) {
    if (B.Pieces[Index++].LeftOut)
      continue;
    Expected<NewArchiveMember> M =
        NewArchiveMember::getOldMember(C, /*Deterministic=*/true);
    if (!M)
      return M.takeError();
    Kept.push_back(std::move(*M));
  }
  if (Err)
    return std::move(Err);
  return writeArchiveToBuffer(Kept, /*WriteSymtab=*/true,
                              object::Archive::K_GNU, /*Deterministic=*/true,
                              /*Thin=*/false);
}

/// Where a loaded object's static initialisers are.
struct InitializerArray {
  unsigned Priority; ///< .init_array.N runs in ascending N, before the rest.
  uint64_t Address;
  uint64_t Size;
};

} // namespace

struct PrebuiltBinaries::Impl {
  orc::LLJIT &J;
  StringSet<> Referenced;
  std::vector<std::string> LeftOut;
  struct Library {
    std::string Path;
    void *Handle;
    uintptr_t Base;
    StringSet<> Defined;
    std::vector<JumpSlot> JumpSlots;
  };
  std::vector<Library> Libraries;
  std::vector<InitializerArray> PendingInitializers;
  bool WatchingInitializers = false;

  explicit Impl(orc::LLJIT &J) : J(J) {}
  ~Impl() {
    // The JIT's layer may outlive us and load more objects.
    if (WatchingInitializers)
      cast<orc::RTDyldObjectLinkingLayer>(J.getObjLinkingLayer())
          .setNotifyLoaded({});
  }

  Error addSharedLibrary(const Binary &B) {
    void *Handle = dlopen(B.Path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!Handle)
      return fail("cannot load '" + B.Path + "': " + dlerror() +
                  " (a shared library reaches code adrsc compiles only "
                  "through calls, not variables or function addresses, and "
                  "only if it is built without -z now)");
    struct link_map *Map = nullptr;
    if (dlinfo(Handle, RTLD_DI_LINKMAP, &Map) != 0 || !Map)
      return fail("cannot find where '" + B.Path + "' is loaded");
    Library L{B.Path, Handle, uintptr_t(Map->l_addr), {}, B.JumpSlots};
    for (const auto &S : B.Pieces.front().Strong)
      L.Defined.insert(S.getKey());
    for (const auto &S : B.Pieces.front().Weak)
      L.Defined.insert(S.getKey());
    Libraries.push_back(std::move(L));
    J.getMainJITDylib().addGenerator(
        std::make_unique<orc::DynamicLibrarySearchGenerator>(
            sys::DynamicLibrary(Handle), J.getDataLayout().getGlobalPrefix()));
    return Error::success();
  }

  /// Static initialisers of objects are the platform's job, which the JIT's
  /// does only for IR: they are found as each object is loaded.
  Error watchInitializers() {
    auto *Layer =
        dyn_cast<orc::RTDyldObjectLinkingLayer>(&J.getObjLinkingLayer());
    if (!Layer)
      return fail("prebuilt objects with static initialisers are supported "
                  "only where the JIT links with RuntimeDyld (x86-64)");
    WatchingInitializers = true;
    Layer->setNotifyLoaded([this](orc::MaterializationResponsibility &,
                                  const object::ObjectFile &Obj,
                                  const RuntimeDyld::LoadedObjectInfo &Info) {
      for (const object::SectionRef &Section : Obj.sections()) {
        Expected<StringRef> Name = Section.getName();
        if (!Name) {
          consumeError(Name.takeError());
          continue;
        }
        StringRef Rest = *Name;
        if (!Rest.consume_front(".init_array"))
          continue;
        unsigned Priority = 65536;
        if (Rest.consume_front(".") && Rest.getAsInteger(10, Priority))
          continue;
        uint64_t Address = Info.getSectionLoadAddress(Section);
        if (Address && Section.getSize())
          PendingInitializers.push_back({Priority, Address, Section.getSize()});
      }
    });
    return Error::success();
  }

  Error bindJumpSlots(const Library &L) {
    for (const JumpSlot &Slot : L.JumpSlots) {
      if (L.Defined.count(Slot.Symbol) ||
          dlsym(L.Handle, Slot.Symbol.c_str()) ||
          dlsym(RTLD_DEFAULT, Slot.Symbol.c_str()))
        continue; // the dynamic linker's
      Expected<orc::ExecutorAddr> Target = J.lookup(Slot.Symbol);
      if (!Target) {
        consumeError(Target.takeError());
        return fail("'" + L.Path + "' calls " + spell(Slot.Symbol) +
                    ", which nothing defines: not the sources, the other "
                    "linked files nor the C and C++ runtime");
      }
      *reinterpret_cast<void **>(L.Base + Slot.Offset) =
          Target->toPtr<void *>();
    }
    return Error::success();
  }
};

Error checkPrebuilt(ArrayRef<std::string> Files, const Triple &Target) {
  for (const std::string &F : Files) {
    Expected<Binary> B = openBinary(F, Target);
    if (!B)
      return B.takeError();
  }
  return Error::success();
}

Expected<std::unique_ptr<PrebuiltBinaries>>
PrebuiltBinaries::add(orc::LLJIT &J, ArrayRef<std::string> Files,
                      const CompiledFiles &Compiled) {
  auto I = std::make_unique<Impl>(J);
  std::vector<Binary> Binaries;
  for (const std::string &F : Files) {
    Expected<Binary> B = openBinary(F, J.getTargetTriple());
    if (!B)
      return B.takeError();
    Binaries.push_back(std::move(*B));
  }

  // What the engine compiles itself must come from there alone.
  bool NeedInitializers = false;
  for (Binary &B : Binaries)
    for (Piece &P : B.Pieces) {
      for (const auto &[Source, Definitions] : Compiled.Sources)
        if (std::optional<StringRef> Both = firstCommon(P.Strong, Definitions))
          return fail(
              "'" + Source +
              "' is compiled from source and is also built "
              "into '" +
              P.Name + "' (both define " + spell(*Both) +
              "): a file is either compiled by adrsc or linked prebuilt; "
              "take it out of 'sources' (or the evaluator's files), or link "
              "a build without it");
      const std::string *Unit = nullptr;
      std::optional<StringRef> Ours;
      for (const auto &[File, Definitions] : Compiled.Units)
        if ((Ours = firstCommon(P.Strong, Definitions))) {
          Unit = &File;
          break;
        }
      if (!Ours) {
        NeedInitializers |= P.HasInitializers;
        continue;
      }
      if (B.Kind == BinaryKind::SharedLibrary)
        return fail("'" + P.Name + "' defines " + spell(*Ours) + " of '" +
                    *Unit +
                    "', a file with regions: a shared library's calls to its "
                    "own copy cannot be sent to the candidate; build the "
                    "library without that file (adrsc compiles it), or link a "
                    "static archive or objects instead");
      for (const auto &S : P.Strong)
        if (none_of(Compiled.Units,
                    [&](const auto &U) { return U.second.count(S.getKey()); }))
          return fail("'" + P.Name + "' defines " + spell(*Ours) + " of '" +
                      *Unit + "', a file with regions, and also " +
                      spell(S.getKey()) +
                      ", which that file does not define, so it cannot be "
                      "left out for the candidate's code: build '" +
                      *Unit +
                      "' into an object of its own, or rebuild the binary if "
                      "it is older than that file");
      P.LeftOut = true;
      I->LeftOut.push_back(P.Name);
    }
  for (const Binary &B : Binaries)
    for (const Piece &P : B.Pieces)
      if (!P.LeftOut)
        for (const auto &S : P.Undefined)
          I->Referenced.insert(S.getKey());
  if (NeedInitializers)
    if (Error E = I->watchInitializers())
      return std::move(E);

  for (Binary &B : Binaries) {
    switch (B.Kind) {
    case BinaryKind::Object:
      if (B.Pieces.front().LeftOut)
        break;
      if (Error E = J.addObjectFile(std::move(B.Buffer)))
        return fail("cannot add '" + B.Path + "': " + toString(std::move(E)));
      break;
    case BinaryKind::Archive: {
      std::unique_ptr<MemoryBuffer> Archive = std::move(B.Buffer);
      if (!B.ArchiveHasSymbolTable ||
          any_of(B.Pieces, [](const Piece &P) { return P.LeftOut; })) {
        B.Buffer = std::move(Archive);
        Expected<std::unique_ptr<MemoryBuffer>> Kept = keptMembers(B);
        if (!Kept)
          return fail("cannot rebuild '" + B.Path +
                      "' without its copy of a file with regions: " +
                      toString(Kept.takeError()));
        Archive = std::move(*Kept);
      }
      Expected<std::unique_ptr<orc::StaticLibraryDefinitionGenerator>> G =
          orc::StaticLibraryDefinitionGenerator::Create(J.getObjLinkingLayer(),
                                                        std::move(Archive));
      if (!G)
        return fail("cannot add '" + B.Path + "': " + toString(G.takeError()));
      J.getMainJITDylib().addGenerator(std::move(*G));
      break;
    }
    case BinaryKind::SharedLibrary:
      if (Error E = I->addSharedLibrary(B))
        return std::move(E);
      break;
    }
  }
  return std::unique_ptr<PrebuiltBinaries>(new PrebuiltBinaries(std::move(I)));
}

PrebuiltBinaries::PrebuiltBinaries(std::unique_ptr<Impl> I) : I(std::move(I)) {}
PrebuiltBinaries::~PrebuiltBinaries() = default;

const StringSet<> &PrebuiltBinaries::referenced() const {
  return I->Referenced;
}

ArrayRef<std::string> PrebuiltBinaries::leftOut() const { return I->LeftOut; }

Error PrebuiltBinaries::initialize() {
  for (const Impl::Library &L : I->Libraries)
    if (Error E = I->bindJumpSlots(L))
      return E;
  std::vector<InitializerArray> Arrays = std::move(I->PendingInitializers);
  I->PendingInitializers.clear();
  llvm::stable_sort(Arrays,
                    [](const InitializerArray &A, const InitializerArray &B) {
                      return A.Priority < B.Priority;
                    });
  using Initializer = void (*)();
  for (const InitializerArray &A : Arrays)
    for (uint64_t At = 0; At + sizeof(Initializer) <= A.Size;
         At += sizeof(Initializer)) {
      Initializer F = *reinterpret_cast<Initializer *>(A.Address + At);
      // A linker writes 0 or -1 into slots of discarded initialisers.
      if (F && reinterpret_cast<intptr_t>(F) != -1)
        F();
    }
  return Error::success();
}

} // namespace jit
} // namespace adrs
