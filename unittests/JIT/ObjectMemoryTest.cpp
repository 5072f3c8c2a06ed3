//===- ObjectMemoryTest.cpp - Each JIT object in one range ----------------===//
//
// libgcc's unwinder must find the unwind record of every function the JIT
// links, however many objects there are and however their sections are
// laid out (ObjectMemory.h says why that is not a given).
//
//===----------------------------------------------------------------------===//

#include "adrs/JIT/ObjectMemory.h"

#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

#include <sys/mman.h>
#include <unistd.h>

using namespace llvm;

// libgcc's own lookup, as its unwinder does it for each frame.
extern "C" const void *_Unwind_Find_FDE(void *PC, void *Bases);

namespace {

/// Object \p K: a function of 5,000 bytes of code and one of 40,000, in
/// sections of their own (comdats), and some read-only and writable data.
std::string objectText(int K) {
  std::string N = std::to_string(K);
  std::string Text = "@ro" + N +
                     " = constant [3000 x i8] zeroinitializer\n"
                     "@rw" +
                     N + " = global [3000 x i8] zeroinitializer\n";
  for (auto [F, Bytes] : {std::pair{"a", 5000}, std::pair{"b", 40000}}) {
    std::string Name = F + N;
    Text += "$" + Name + " = comdat any\n" + "define linkonce_odr i64 @" +
            Name + "() comdat {\n" + "  call void asm sideeffect \".skip " +
            std::to_string(Bytes) + ", 0x90\", \"\"()\n" +
            "  %v = load i8, ptr @ro" + N + "\n  store i8 %v, ptr @rw" + N +
            "\n  ret i64 " + N + "\n}\n";
  }
  return Text;
}

/// Leaves holes of three pages among mapped pages, as a long-lived process
/// has where it freed memory: a section that fits goes into one, one that
/// does not goes elsewhere.
class Holes {
  char *Start = nullptr;
  size_t Size = 0;

public:
  Holes() {
    const size_t Page = sysconf(_SC_PAGESIZE);
    Size = 200 * Page;
    void *P =
        mmap(nullptr, Size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (P == MAP_FAILED)
      return;
    Start = static_cast<char *>(P);
    for (size_t At = Page; At + 4 * Page <= Size; At += 4 * Page)
      munmap(Start + At, 3 * Page);
  }
  ~Holes() {
    const size_t Page = sysconf(_SC_PAGESIZE);
    if (Start)
      for (size_t At = 0; At < Size; At += 4 * Page)
        munmap(Start + At, Page);
  }
};

TEST(ObjectMemoryTest, TheUnwinderFindsEveryFunctionOfEveryObject) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  InitializeNativeTargetAsmParser();
  // Each linked object's code sections: address and size.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> Code;
  Expected<std::unique_ptr<orc::LLJIT>> J =
      orc::LLJITBuilder()
          .setObjectLinkingLayerCreator(
              [&](orc::ExecutionSession &ES, const Triple &)
                  -> Expected<std::unique_ptr<orc::ObjectLayer>> {
                auto Layer = adrs::jit::createObjectLayer(ES);
                Layer->setNotifyLoaded(
                    [&](orc::MaterializationResponsibility &,
                        const object::ObjectFile &Obj,
                        const RuntimeDyld::LoadedObjectInfo &Info) {
                      Code.emplace_back();
                      for (const object::SectionRef &S : Obj.sections())
                        if (S.isText() && S.getSize())
                          Code.back().push_back(
                              {Info.getSectionLoadAddress(S), S.getSize()});
                    });
                return Layer;
              })
          .create();
  ASSERT_TRUE(bool(J)) << toString(J.takeError());
  Holes Free;
  const int Objects = 24;
  for (int K = 0; K < Objects; ++K) {
    auto Context = std::make_unique<LLVMContext>();
    SMDiagnostic Diagnostic;
    std::unique_ptr<Module> M =
        parseIR(MemoryBufferRef(objectText(K), "object"), Diagnostic, *Context);
    ASSERT_TRUE(M) << Diagnostic.getMessage().str();
    M->setDataLayout((*J)->getDataLayout());
    ASSERT_FALSE(bool((*J)->addIRModule(
        orc::ThreadSafeModule(std::move(M), std::move(Context)))));
    // Linked one by one, as the engine links a unit, a candidate and
    // its #include block.
    Expected<orc::ExecutorAddr> A = (*J)->lookup("a" + std::to_string(K));
    ASSERT_TRUE(bool(A)) << toString(A.takeError());
  }
  for (int K = 0; K < Objects; ++K)
    for (const char *F : {"a", "b"}) {
      std::string Name = F + std::to_string(K);
      Expected<orc::ExecutorAddr> A = (*J)->lookup(Name);
      ASSERT_TRUE(bool(A)) << toString(A.takeError());
      EXPECT_EQ(A->toPtr<int64_t (*)()>()(), K);
      void *Bases[3];
      // Within the function, as a return address is.
      EXPECT_NE(_Unwind_Find_FDE(A->toPtr<char *>() + 100, Bases), nullptr)
          << "no unwind record found for " << Name;
    }
  // Each object's code is in one range that no other object's code is in.
  ASSERT_EQ(Code.size(), size_t(Objects));
  std::vector<std::pair<uint64_t, uint64_t>> Ranges;
  for (const auto &Sections : Code) {
    uint64_t Low = UINT64_MAX, High = 0;
    for (auto [Address, Size] : Sections) {
      Low = std::min(Low, Address);
      High = std::max(High, Address + Size);
    }
    EXPECT_LT(High - Low, uint64_t(64 * 1024));
    Ranges.push_back({Low, High});
  }
  for (size_t I = 0; I < Ranges.size(); ++I)
    for (size_t K = 0; K < Ranges.size(); ++K)
      if (I != K)
        EXPECT_FALSE(Ranges[K].first >= Ranges[I].first &&
                     Ranges[K].first < Ranges[I].second)
            << "object " << K << "'s code starts inside object " << I << "'s";
}

} // namespace
