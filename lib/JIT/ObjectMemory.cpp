//===- ObjectMemory.cpp - Each JIT object in one range
//---------------------===//

#include "adrs/JIT/ObjectMemory.h"

#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/RTDyldMemoryManager.h"
#include "llvm/Support/Alignment.h"
#include "llvm/Support/Memory.h"
#include "llvm/Support/Process.h"

#include <vector>

using namespace llvm;

namespace adrs {
namespace jit {
namespace {

class ContiguousObjectMemory final : public RTDyldMemoryManager {
  /// Where sections of one kind go, within the reservation.
  struct Part {
    uint8_t *Start = nullptr;
    size_t Size = 0;
    size_t Used = 0;
  };
  /// A section that did not fit in its part: mapped on its own, with the
  /// permissions it gets when finalised. RuntimeDyld's sizes are upper
  /// bounds, so this is a safety net, not the normal road.
  struct Extra {
    sys::MemoryBlock Block;
    unsigned Flags;
  };

  sys::MemoryBlock Reservation;
  Part Code, ReadOnly, ReadWrite;
  std::vector<Extra> Extras;

  static size_t pageSize() { return sys::Process::getPageSizeEstimate(); }

  uint8_t *allocate(Part &P, uintptr_t Size, unsigned Alignment,
                    unsigned FinalFlags) {
    const uint64_t A = std::max(1u, Alignment);
    if (P.Start) {
      uintptr_t Base = reinterpret_cast<uintptr_t>(P.Start);
      uintptr_t At = alignTo(Base + P.Used, A);
      if (At + Size <= Base + P.Size) {
        P.Used = At + Size - Base;
        return reinterpret_cast<uint8_t *>(At);
      }
    }
    std::error_code EC;
    sys::MemoryBlock B = sys::Memory::allocateMappedMemory(
        Size + A, Reservation.base() ? &Reservation : nullptr,
        sys::Memory::MF_READ | sys::Memory::MF_WRITE, EC);
    if (EC)
      return nullptr;
    Extras.push_back({B, FinalFlags});
    return reinterpret_cast<uint8_t *>(
        alignTo(reinterpret_cast<uintptr_t>(B.base()), A));
  }

  static std::error_code protect(void *Start, size_t Size, unsigned Flags) {
    if (!Size)
      return {};
    if (Flags & sys::Memory::MF_EXEC)
      sys::Memory::InvalidateInstructionCache(Start, Size);
    return sys::Memory::protectMappedMemory(sys::MemoryBlock(Start, Size),
                                            Flags);
  }

public:
  bool needsToReserveAllocationSpace() override { return true; }

  void reserveAllocationSpace(uintptr_t CodeSize, Align CodeAlign,
                              uintptr_t RODataSize, Align RODataAlign,
                              uintptr_t RWDataSize,
                              Align RWDataAlign) override {
    // Page-aligned parts, so that each gets its own permissions; the
    // alignment is added in case a part's first section wants more than a
    // page.
    auto PartSize = [](uintptr_t Size, Align A) -> size_t {
      return Size ? alignTo(Size + A.value(), pageSize()) : 0;
    };
    const size_t C = PartSize(CodeSize, CodeAlign);
    const size_t R = PartSize(RODataSize, RODataAlign);
    const size_t W = PartSize(RWDataSize, RWDataAlign);
    if (Reservation.base()) // a second object: keep the first's memory
      Extras.push_back({Reservation, 0});
    Reservation = sys::MemoryBlock();
    Code = ReadOnly = ReadWrite = Part();
    if (C + R + W == 0)
      return;
    std::error_code EC;
    Reservation = sys::Memory::allocateMappedMemory(
        C + R + W, nullptr, sys::Memory::MF_READ | sys::Memory::MF_WRITE, EC);
    if (EC) {
      Reservation = sys::MemoryBlock();
      return; // every section then gets a mapping of its own
    }
    auto *Base = static_cast<uint8_t *>(Reservation.base());
    Code = {Base, C, 0};
    ReadOnly = {Base + C, R, 0};
    ReadWrite = {Base + C + R, W, 0};
  }

  uint8_t *allocateCodeSection(uintptr_t Size, unsigned Alignment,
                               unsigned /*SectionID*/,
                               StringRef /*SectionName*/) override {
    return allocate(Code, Size, Alignment,
                    sys::Memory::MF_READ | sys::Memory::MF_EXEC);
  }

  uint8_t *allocateDataSection(uintptr_t Size, unsigned Alignment,
                               unsigned /*SectionID*/,
                               StringRef /*SectionName*/,
                               bool IsReadOnly) override {
    if (IsReadOnly)
      return allocate(ReadOnly, Size, Alignment, sys::Memory::MF_READ);
    return allocate(ReadWrite, Size, Alignment,
                    sys::Memory::MF_READ | sys::Memory::MF_WRITE);
  }

  bool finalizeMemory(std::string *ErrMsg) override {
    std::error_code EC = protect(Code.Start, Code.Size,
                                 sys::Memory::MF_READ | sys::Memory::MF_EXEC);
    if (!EC)
      EC = protect(ReadOnly.Start, ReadOnly.Size, sys::Memory::MF_READ);
    for (Extra &E : Extras)
      if (!EC && E.Flags)
        EC = protect(E.Block.base(), E.Block.allocatedSize(), E.Flags);
    if (EC && ErrMsg)
      *ErrMsg = EC.message();
    return bool(EC);
  }

  ~ContiguousObjectMemory() override {
    // Before the memory goes: libgcc would otherwise keep reading the
    // unwind records in it.
    deregisterEHFrames();
    if (Reservation.base())
      sys::Memory::releaseMappedMemory(Reservation);
    for (Extra &E : Extras)
      sys::Memory::releaseMappedMemory(E.Block);
  }
};

} // namespace

std::unique_ptr<RTDyldMemoryManager> createObjectMemory() {
  return std::make_unique<ContiguousObjectMemory>();
}

std::unique_ptr<orc::RTDyldObjectLinkingLayer>
createObjectLayer(orc::ExecutionSession &ES) {
  return std::make_unique<orc::RTDyldObjectLinkingLayer>(
      ES, [] { return createObjectMemory(); });
}

} // namespace jit
} // namespace adrs
