//===- adrs/Regions/Markers.h - EVOLVE-BLOCK comments -----------*- C++ -*-===//

#ifndef ADRS_REGIONS_MARKERS_H
#define ADRS_REGIONS_MARKERS_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace regions {

/// One `// EVOLVE-BLOCK-START name` ... `// EVOLVE-BLOCK-END` pair.
struct MarkedBlock {
  std::string Name;   ///< Empty when the marker names none.
  size_t StartMarker; ///< Offset of the START comment.
  size_t Begin, End;  ///< The lines strictly between the markers.
  size_t EndMarker;   ///< Offset of the END comment.
  unsigned StartLine; ///< 1-based line of each marker.
  unsigned EndLine;
};

/// A problem with the markers of a file, at a byte offset.
struct MarkerError {
  size_t Offset;
  std::string Message;
  /// Another place worth pointing at ("the block opened here").
  std::optional<size_t> NoteOffset;
  std::string Note;
};

struct MarkerScan {
  std::vector<MarkedBlock> Blocks;
  std::vector<MarkerError> Errors;
};

/// Finds the marker comments of \p Text. Markers are `//` comments, alone on
/// their line apart from indentation. Unbalanced, nested or doubly named
/// blocks, and an unnamed block among several, are errors.
MarkerScan scanMarkers(llvm::StringRef Text);

/// 1-based line of \p Offset in \p Text.
unsigned lineOf(llvm::StringRef Text, size_t Offset);

} // namespace regions
} // namespace adrs

#endif
