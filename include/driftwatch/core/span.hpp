// driftwatch::span: a minimal read-only view (C++17 has no std::span).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace driftwatch {

/// A non-owning view of `size()` contiguous `T`. Converts implicitly from any
/// contiguous container with data() and size() (std::vector, std::array,
/// std::string_view for char, a C array), so functions taking `span<const double>`
/// accept all of them. Constructing one never allocates.
template <class T>
class span {
 public:
  using element_type = T;
  using value_type = std::remove_cv_t<T>;
  using size_type = std::size_t;
  using pointer = T*;
  using iterator = T*;

  constexpr span() noexcept = default;
  constexpr span(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
  template <std::size_t N>
  constexpr span(T (&array)[N]) noexcept : data_(array), size_(N) {}
  // Like std::span<const T>, a view may bind to a temporary container when it
  // is a function argument; it must not outlive the full expression then.
  template <class Container,
            class = std::enable_if_t<
                !std::is_same<std::decay_t<Container>, span>::value &&
                std::is_convertible<decltype(std::declval<Container&>().data()), T*>::value>,
            class = decltype(std::declval<Container&>().size())>
  constexpr span(Container&& c) noexcept : data_(c.data()), size_(c.size()) {}
  template <class U, class = std::enable_if_t<std::is_convertible<U*, T*>::value>>
  constexpr span(span<U> other) noexcept : data_(other.data()), size_(other.size()) {}

  constexpr T* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr T* begin() const noexcept { return data_; }
  constexpr T* end() const noexcept { return data_ + size_; }
  constexpr span subspan(std::size_t offset, std::size_t count) const noexcept {
    return span(data_ + offset, count);
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace driftwatch
