//===- Glob.cpp - File name patterns --------------------------------------===//

#include "adrs/Support/Glob.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace llvm;

namespace adrs {

bool isGlobPattern(StringRef Pattern) {
  return Pattern.find_first_of("*?[") != StringRef::npos;
}

std::string makeAbsolute(StringRef Path, StringRef BaseDir) {
  SmallString<256> Result;
  if (sys::path::is_absolute(Path)) {
    Result = Path;
  } else {
    Result = BaseDir;
    sys::path::append(Result, Path);
  }
  sys::path::remove_dots(Result, /*remove_dot_dot=*/true);
  return std::string(Result);
}

static bool isHidden(StringRef Name) { return Name.startswith("."); }

// Every directory below Dir (Dir included), for `**`. Symlinked directories
// are not followed, so a link cycle cannot make the walk endless.
static void collectSubdirectories(StringRef Dir,
                                  std::vector<std::string> &Out) {
  Out.push_back(Dir.str());
  std::error_code EC;
  for (sys::fs::recursive_directory_iterator It(Dir, EC, /*follow=*/false), End;
       It != End && !EC; It.increment(EC)) {
    StringRef Name = sys::path::filename(It->path());
    if (isHidden(Name)) {
      It.no_push();
      continue;
    }
    if (It->type() == sys::fs::file_type::directory_file)
      Out.push_back(It->path());
  }
}

Expected<std::vector<std::string>> expandGlob(StringRef Pattern,
                                              StringRef BaseDir) {
  std::string Absolute = makeAbsolute(Pattern, BaseDir);
  if (!isGlobPattern(Absolute)) {
    if (sys::fs::is_regular_file(Absolute))
      return std::vector<std::string>{Absolute};
    return std::vector<std::string>{};
  }

  SmallVector<StringRef, 16> Components;
  StringRef Root = sys::path::root_path(Absolute);
  StringRef Rest = StringRef(Absolute).drop_front(Root.size());
  Rest.split(Components, '/', -1, /*KeepEmpty=*/false);

  std::vector<std::string> Current{Root.str()};
  for (StringRef Component : Components) {
    std::vector<std::string> Next;
    if (Component == "**") {
      for (const std::string &Dir : Current)
        if (sys::fs::is_directory(Dir))
          collectSubdirectories(Dir, Next);
    } else if (!isGlobPattern(Component)) {
      for (const std::string &Dir : Current) {
        SmallString<256> Path(Dir);
        sys::path::append(Path, Component);
        Next.push_back(std::string(Path));
      }
    } else {
      Expected<GlobPattern> Glob = GlobPattern::create(Component);
      if (!Glob)
        return createStringError(
            inconvertibleErrorCode(), "invalid pattern '%s': %s",
            Pattern.str().c_str(), toString(Glob.takeError()).c_str());
      for (const std::string &Dir : Current) {
        std::error_code EC;
        for (sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
             It.increment(EC)) {
          StringRef Name = sys::path::filename(It->path());
          if (isHidden(Name) && !isHidden(Component))
            continue;
          if (Glob->match(Name))
            Next.push_back(It->path());
        }
      }
    }
    Current = std::move(Next);
    if (Current.empty())
      break;
  }

  std::vector<std::string> Files;
  for (std::string &Path : Current)
    if (sys::fs::is_regular_file(Path))
      Files.push_back(std::move(Path));
  llvm::sort(Files);
  Files.erase(std::unique(Files.begin(), Files.end()), Files.end());
  return Files;
}

} // namespace adrs
