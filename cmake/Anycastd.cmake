# SPDX-License-Identifier: Apache-2.0
# anycastd_library(NAME [SANS_IO]
#                  SOURCES file.cpp...   HEADERS file.hpp...
#                  DEPS target...        PRIVATE_DEPS target...)
#
# One static library of lib/<folder>. Its headers are reachable only through
# the target: each library gets an include directory of its own under
# build/include/NAME/<folder>/ with links to exactly its HEADERS, and a
# target sees the headers of the libraries it links (DEPS are public), so an
# include of a library one does not depend on fails to compile. A SANS_IO
# library (packets, protocol machines, the core model) cannot include any
# Boost header: cmake/sans-io/boost/config.hpp comes first on its path.
function(anycastd_library name)
  cmake_parse_arguments(A "SANS_IO" "" "SOURCES;HEADERS;DEPS;PRIVATE_DEPS" ${ARGN})
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(include_root ${PROJECT_BINARY_DIR}/include/${name})
  file(REMOVE_RECURSE ${include_root})
  file(MAKE_DIRECTORY ${include_root}/${folder})
  foreach(header ${A_HEADERS})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR}/${header} ${include_root}/${folder}/${header}
         SYMBOLIC)
  endforeach()
  if(A_SOURCES)
    add_library(${name} STATIC ${A_SOURCES})
    target_include_directories(${name} PUBLIC ${include_root})
    target_link_libraries(${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
    if(A_SANS_IO)
      target_include_directories(${name} BEFORE PRIVATE ${PROJECT_SOURCE_DIR}/cmake/sans-io)
    endif()
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${include_root})
    target_link_libraries(${name} INTERFACE ${A_DEPS})
  endif()
endfunction()
