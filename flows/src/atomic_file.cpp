// Atomic output files (POSIX): temporary file in the same directory, fsync, rename, directory fsync.
#include <odeflow/flows/io/atomic_file.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace odeflow {

namespace {

std::string os_error(int err) { return std::strerror(err); }

std::atomic<unsigned long> temp_counter{0};

}  // namespace

AtomicOutputFile::AtomicOutputFile(std::filesystem::path destination) : m_dest(std::move(destination)) {
  if (m_dest.empty() || !m_dest.has_filename())
    throw IoError(m_dest.string(), "the output path names no file");
  const auto dir = m_dest.parent_path();
  // A name that cannot collide with another writer: the process id and a per-process counter;
  // O_EXCL refuses to reuse a leftover file of that name, and the next counter value is tried.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string name = "." + m_dest.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                             std::to_string(temp_counter.fetch_add(1));
    m_tmp = dir.empty() ? std::filesystem::path(name) : dir / name;
    m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (m_fd >= 0) return;
    if (errno != EEXIST) break;
  }
  const int err = errno;
  throw IoError(m_dest.string(), "cannot create a temporary file in '" + (dir.empty() ? std::string(".") : dir.string()) +
                                     "': " + os_error(err));
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!m_done) discard();
}

void AtomicOutputFile::discard() noexcept {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  if (!m_tmp.empty()) ::unlink(m_tmp.c_str());
  m_done = true;
}

void AtomicOutputFile::write(const void* data, std::size_t size) {
  if (m_done) throw IoError(m_dest.string(), "write after commit");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ::ssize_t w = ::write(m_fd, p, size);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      discard();
      throw IoError(m_dest.string(), "cannot write to the temporary file '" + m_tmp.string() + "': " + os_error(err));
    }
    p += w;
    size -= static_cast<std::size_t>(w);
  }
}

void AtomicOutputFile::commit() {
  if (m_done) throw IoError(m_dest.string(), "commit after commit or failure");
  auto fail = [&](const std::string& what) {
    const int err = errno;
    discard();
    throw IoError(m_dest.string(), what + ": " + os_error(err));
  };
  if (::fsync(m_fd) != 0) fail("cannot flush the temporary file '" + m_tmp.string() + "' to disk");
  const int fd = m_fd;
  m_fd = -1;
  if (::close(fd) != 0) fail("cannot close the temporary file '" + m_tmp.string() + "'");
  if (::rename(m_tmp.c_str(), m_dest.c_str()) != 0) fail("cannot rename the temporary file into place");
  m_done = true;
  // The rename is durable once the directory entry is on disk; best effort (some file
  // systems refuse fsync on directories, and the file itself is already complete).
  const auto dir = m_dest.parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const std::filesystem::path& destination, std::span<const std::uint8_t> bytes) {
  AtomicOutputFile f(destination);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

}  // namespace odeflow
