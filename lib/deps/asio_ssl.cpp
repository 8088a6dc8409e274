// SPDX-License-Identifier: Apache-2.0
// The one translation unit that compiles Boost.Asio's SSL support
// (BOOST_ASIO_SEPARATE_COMPILATION), for the http and DNS-over-TLS checks.
#include <boost/asio/ssl/impl/src.hpp>
