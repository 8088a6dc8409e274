// SPDX-License-Identifier: Apache-2.0
// Put first on the include path of every sans-IO library (cmake/Anycastd.cmake,
// SANS_IO): every Boost header, Asio's among them, includes <boost/config.hpp>,
// so any Boost include in protocol logic stops the build here.
#error \
    "sans-IO code (packets, protocol machines) may not use Boost or Asio: only session libraries do (style guide 13)"
