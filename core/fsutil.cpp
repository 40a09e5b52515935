// Crash-safe file writing helpers (see fsutil.h).
#include "fsutil.h"

#include <dirent.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace azllm::fs {

std::string describeErrno(int err, const std::string& what, const std::string& path)
{
    std::string msg = what + " '" + path + "' failed: " + std::strerror(err);
    if (err == ENOSPC || err == EFBIG || err == EDQUOT)
        msg += " (free some disk space and try again; nothing saved before was changed)";
    else if (err == EACCES || err == EPERM || err == EROFS)
        msg += " (choose a writable location or fix its permissions)";
    else if (err == ENOENT)
        msg += " (check that the path exists)";
    return msg;
}

std::string parentDir(const std::string& path)
{
    auto p = std::filesystem::path(path).parent_path().string();
    return p.empty() ? std::string(".") : p;
}

std::string baseName(const std::string& path)
{
    auto p = std::filesystem::path(path);
    if (p.filename().empty())
        p = p.parent_path();
    return p.filename().string();
}

std::string join(const std::string& a, const std::string& b)
{
    return (std::filesystem::path(a) / b).string();
}

bool exists(const std::string& path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

bool isDir(const std::string& path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int64_t fileSize(const std::string& path)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return -1;
    return static_cast<int64_t>(st.st_size);
}

void syncDir(const std::string& dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

Status makeDirs(const std::string& path)
{
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec)
        return Status::error(describeErrno(ec.value(), "creating directory", path));
    return {};
}

void removeAll(const std::string& path)
{
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

Status writeFileAtomic(const std::string& path, const void* data, size_t size)
{
    std::string tmpl = join(parentDir(path), "." + baseName(path) + ".tmp-XXXXXX");
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkstemp(buf.data());
    if (fd < 0)
        return Status::error(describeErrno(errno, "writing", path));
    const std::string tmp(buf.data());
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return Status::error(describeErrno(err, "writing", path));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::fchmod(fd, 0644) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        return Status::error(describeErrno(err, "writing", path));
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return Status::error(describeErrno(err, "writing", path));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return Status::error(describeErrno(err, "renaming into", path));
    }
    syncDir(parentDir(path));
    return {};
}

Status writeFileAtomic(const std::string& path, const std::string& data)
{
    return writeFileAtomic(path, data.data(), data.size());
}

Result<std::string> readFile(const std::string& path)
{
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return Result<std::string>::error(describeErrno(errno, "reading", path));
    std::string out;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    const bool bad = std::ferror(f);
    std::fclose(f);
    if (bad)
        return Result<std::string>::error("reading '" + path + "' failed (I/O error)");
    return out;
}

Result<std::string> makeTempSiblingDir(const std::string& target)
{
    std::string tmpl = join(parentDir(target), "." + baseName(target) + ".tmp-XXXXXX");
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
        return Result<std::string>::error(describeErrno(errno, "creating a temporary directory beside", target));
    return std::string(buf.data());
}

void removeStaleTemps(const std::string& dir)
{
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return;
    std::vector<std::string> stale;
    while (struct dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        const size_t at = name.rfind(".tmp-");
        if (name.size() > 1 && name[0] == '.' && at != std::string::npos && at > 1 && name.size() == at + 5 + 6)
            stale.push_back(join(dir, name));
    }
    ::closedir(d);
    for (const auto& p : stale)
        removeAll(p);
}

Status replaceDirAtomic(const std::string& tmp, const std::string& target)
{
    syncDir(tmp);
    if (exists(target)) {
        if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
            const int err = errno;
            return Status::error(describeErrno(err, "replacing", target));
        }
        // tmp now holds the previous snapshot.
        syncDir(parentDir(target));
        removeAll(tmp);
    } else {
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            const int err = errno;
            return Status::error(describeErrno(err, "renaming into", target));
        }
        syncDir(parentDir(target));
    }
    return {};
}

std::string executableDir()
{
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return ".";
    buf[n] = '\0';
    return parentDir(buf);
}

} // namespace azllm::fs
