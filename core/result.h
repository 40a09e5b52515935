// Expected-style results for fallible core functions: a value or a message a user can act on.
// Core returns these up to the thread boundary instead of throwing (STYLE.md); it does not
// carry error codes, only the message, because every caller shows it to a person.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace azllm {

class Status {
public:
    Status() = default;
    static Status error(std::string message) { Status s; s.m_error = std::move(message); return s; }
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& message() const { static const std::string none; return m_error ? *m_error : none; }

private:
    std::optional<std::string> m_error;
};

template <class T>
class Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Status error) : m_status(std::move(error)) {}
    static Result error(std::string message) { return Result(Status::error(std::move(message))); }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& message() const { return m_status.message(); }
    const Status& status() const { return m_status; }
    T& value() { return *m_value; }
    const T& value() const { return *m_value; }
    T* operator->() { return &*m_value; }
    const T* operator->() const { return &*m_value; }
    T& operator*() { return *m_value; }
    const T& operator*() const { return *m_value; }

private:
    std::optional<T> m_value;
    Status m_status;
};

} // namespace azllm
