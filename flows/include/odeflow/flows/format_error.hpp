// FormatError: the typed exception for malformed input files (which file, what is wrong, where).
#pragma once

#include <stdexcept>
#include <string>

namespace odeflow {

/// Thrown when a file (safetensors, model metadata) is malformed or does not match what
/// the caller asked for. what() reads "FILE: PROBLEM (at WHERE)", where WHERE names a
/// byte offset ("byte 8") or a part of the content ("tensor 'main.0.weight'").
class FormatError : public std::runtime_error {
 public:
  /// `file`: the file read; `problem`: what is wrong; `where`: byte offset or tensor name.
  FormatError(std::string file, std::string problem, std::string where)
      : std::runtime_error(file + ": " + problem + " (at " + where + ")"),
        m_file(std::move(file)), m_problem(std::move(problem)), m_where(std::move(where)) {}
  /// The file (or "<memory>" for buffers).
  const std::string& file() const noexcept { return m_file; }
  /// What is wrong.
  const std::string& problem() const noexcept { return m_problem; }
  /// Where: a byte offset or a tensor / metadata key.
  const std::string& where() const noexcept { return m_where; }

 private:
  std::string m_file, m_problem, m_where;
};

}  // namespace odeflow
