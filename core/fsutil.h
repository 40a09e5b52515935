// Crash-safe file writing: every file goes to a temporary sibling, is flushed to disk and then
// renamed into place, so a crash or a full disk never leaves a half-written file behind.
// Directory snapshots (checkpoints) are swapped in atomically with renameat2(RENAME_EXCHANGE).
#pragma once

#include "result.h"

#include <string>
#include <vector>

namespace azllm::fs {

// Writes bytes to path through a temporary sibling + fsync + rename.
Status writeFileAtomic(const std::string& path, const void* data, size_t size);
Status writeFileAtomic(const std::string& path, const std::string& data);
Result<std::string> readFile(const std::string& path);

// Creates a fresh temporary sibling directory of target ("<dir>/.<name>.tmp-XXXXXX").
Result<std::string> makeTempSiblingDir(const std::string& target);
// Removes the temporary folders/files ("<dir>/.<name>.tmp-XXXXXX") a process killed while writing
// left in dir. Only for folders with a single writer (a run's checkpoints/).
void removeStaleTemps(const std::string& dir);
// Replaces target by the directory tmp in one step (the old target, if any, is removed after).
Status replaceDirAtomic(const std::string& tmp, const std::string& target);
// fsyncs a directory so a rename inside it is durable.
void syncDir(const std::string& dir);
Status makeDirs(const std::string& path);
void removeAll(const std::string& path);
bool exists(const std::string& path);
bool isDir(const std::string& path);
int64_t fileSize(const std::string& path); // -1 when missing
std::string parentDir(const std::string& path);
std::string baseName(const std::string& path);
std::string join(const std::string& a, const std::string& b);
// Directory that holds the running executable (from /proc/self/exe).
std::string executableDir();
// Human-readable "No space left on device"-style text for errno, with advice.
std::string describeErrno(int err, const std::string& what, const std::string& path);

} // namespace azllm::fs
