//===- adrs/JIT/ObjectMemory.h - Each JIT object in one range -*- C++ -*-===//
//
// C++ exceptions here are unwound by libgcc, which finds the unwind record
// of a frame by taking the registered object with the highest start
// address at or below the frame's address and looks in no other
// (unwind-dw2-fde.c: "we expect objects to be non-overlapping"). LLVM's
// SectionMemoryManager maps an object's code sections wherever the kernel
// has room, so one object's code can span tens of megabytes with another
// object's code in between. An exception thrown through the first is then
// not found, and the program aborts with "uncaught exception", or not,
// depending on where memory happened to be free: a candidate that throws
// on purpose, and an evaluator that catches it, were seen to fail that way
// once in five test runs.
//
// The memory here gives each object one mapping, reserved for its whole
// size before its sections are placed (RuntimeDyld computes the size), so
// no object's code lies inside another's range.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_JIT_OBJECTMEMORY_H
#define ADRS_JIT_OBJECTMEMORY_H

#include <memory>

namespace llvm {
class RTDyldMemoryManager;
namespace orc {
class ExecutionSession;
class RTDyldObjectLinkingLayer;
} // namespace orc
} // namespace llvm

namespace adrs {
namespace jit {

/// Memory for one object, in one mapping of its own.
std::unique_ptr<llvm::RTDyldMemoryManager> createObjectMemory();

/// An object linking layer on \p ES whose objects each get
/// createObjectMemory(). It must outlive the session's end
/// (ExecutionSession::endSession), which releases its objects.
std::unique_ptr<llvm::orc::RTDyldObjectLinkingLayer>
createObjectLayer(llvm::orc::ExecutionSession &ES);

} // namespace jit
} // namespace adrs

#endif // ADRS_JIT_OBJECTMEMORY_H
