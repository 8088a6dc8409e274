// SPDX-License-Identifier: Apache-2.0
// The one translation unit that compiles Boost.Beast
// (BOOST_BEAST_SEPARATE_COMPILATION), for the http check.
#include <boost/beast/src.hpp>
