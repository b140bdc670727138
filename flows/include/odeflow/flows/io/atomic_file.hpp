// Atomic output files: written to a temporary file in the destination's directory, flushed to disk, renamed into place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>

namespace odeflow {

/// Thrown when an output file cannot be written; what() reads "FILE: PROBLEM: OS MESSAGE".
class IoError : public std::runtime_error {
 public:
  /// An error writing `file`; `problem` says what failed (and the system's message).
  IoError(std::string file, const std::string& problem)
      : std::runtime_error(file + ": " + problem), m_file(std::move(file)) {}
  /// The destination the write was for.
  const std::string& file() const noexcept { return m_file; }

 private:
  std::string m_file;
};

/// An output file that appears at its destination whole or not at all.
///
/// The bytes go to a new temporary file ".NAME.tmp-PID-N" next to the destination (the
/// same directory, so the same file system); commit() flushes it to disk (fsync), renames
/// it over the destination (atomic on POSIX: readers see the old file or the new one,
/// never a mixture) and syncs the directory. Destroying the object without commit(),
/// an exception thrown by the caller while writing, or any failed write, flush or
/// rename removes the temporary file and leaves the destination untouched. A new file
/// gets mode 0666 minus the umask (an existing destination's mode is not copied).
///
/// Throws IoError naming the destination and the operating system's message.
class AtomicOutputFile {
 public:
  /// Creates the temporary file beside `destination`; throws IoError when it cannot.
  explicit AtomicOutputFile(std::filesystem::path destination);
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;
  /// Removes the temporary file unless committed.
  ~AtomicOutputFile();

  /// Appends `size` bytes.
  void write(const void* data, std::size_t size);
  /// Flushes, syncs and renames into place; the object is then finished.
  void commit();

  /// The temporary file's path (for tests and messages).
  const std::filesystem::path& temporary_path() const noexcept { return m_tmp; }

 private:
  void discard() noexcept;
  std::filesystem::path m_dest, m_tmp;
  int m_fd = -1;
  bool m_done = false;
};

/// Writes `bytes` to `destination` through an AtomicOutputFile.
void write_file_atomically(const std::filesystem::path& destination, std::span<const std::uint8_t> bytes);

}  // namespace odeflow
