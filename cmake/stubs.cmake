# Stubs for the part of libssl's ABI that core/ and compat/ do not define yet.
# Included by the top-level CMakeLists.txt before add_library(ssl ...); sets
# SHIMSSL_STUB_SOURCES, which that call links in.
#
# tools/gen_stubs.py reads the compiled core/compat objects with nm and writes
# gen/stubs.c (one failing stub per missing function, see compat/symbols.tsv)
# and gen/stubs.txt (their names). Whenever an object changes the list is
# recomputed, so a function written by hand replaces its stub automatically.
#
# The stubs live in their own OBJECT library so that ssl and shimssl_static
# share one generation rule (two targets owning the same custom command
# output race under make -j).

set(SHIMSSL_GEN_DIR ${CMAKE_BINARY_DIR}/gen)
set(SHIMSSL_SYMBOLS_TSV ${CMAKE_SOURCE_DIR}/compat/symbols.tsv)
set(SHIMSSL_STUBS_C ${SHIMSSL_GEN_DIR}/stubs.c)
set(SHIMSSL_STUBS_LIST ${SHIMSSL_GEN_DIR}/stubs.txt)
file(MAKE_DIRECTORY ${SHIMSSL_GEN_DIR})

# An OBJECT library without sources is a CMake error; while core/ or compat/
# is still empty give it a translation unit that defines nothing.
foreach(lib shimssl_core shimssl_compat)
  get_target_property(_srcs ${lib} SOURCES)
  if(NOT _srcs)
    set(_empty ${SHIMSSL_GEN_DIR}/${lib}_empty.c)
    if(NOT EXISTS ${_empty})
      file(WRITE ${_empty} "/* Placeholder: this source directory has no .c file yet. */\ntypedef int ${lib}_is_empty;\n")
    endif()
    target_sources(${lib} PRIVATE ${_empty})
  endif()
endforeach()

if(NOT CMAKE_NM)
  find_program(CMAKE_NM nm REQUIRED)
endif()

add_custom_command(
  OUTPUT ${SHIMSSL_STUBS_C} ${SHIMSSL_STUBS_LIST}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/gen_stubs.py
          --symbols ${SHIMSSL_SYMBOLS_TSV} --nm ${CMAKE_NM}
          --out-c ${SHIMSSL_STUBS_C} --out-list ${SHIMSSL_STUBS_LIST}
          $<TARGET_OBJECTS:shimssl_core> $<TARGET_OBJECTS:shimssl_compat>
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gen_stubs.py
          ${CMAKE_SOURCE_DIR}/tools/shimssl_symbols.py
          ${SHIMSSL_SYMBOLS_TSV}
          shimssl_core shimssl_compat
          $<TARGET_OBJECTS:shimssl_core> $<TARGET_OBJECTS:shimssl_compat>
  COMMENT "Generating stubs for unimplemented libssl functions"
  COMMAND_EXPAND_LISTS
  VERBATIM)

add_library(shimssl_stubs OBJECT ${SHIMSSL_STUBS_C})
target_link_libraries(shimssl_stubs PRIVATE OpenSSL::Crypto)
set(SHIMSSL_STUB_SOURCES $<TARGET_OBJECTS:shimssl_stubs>)

# Rewrites the committed docs/COVERAGE.md from the current stub list and the
# recorded imports of real programs (compat/symbols_imports.tsv).
add_custom_target(coverage-doc
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/gen_coverage.py
          --symbols ${SHIMSSL_SYMBOLS_TSV}
          --imports ${CMAKE_SOURCE_DIR}/compat/symbols_imports.tsv
          --stubs ${SHIMSSL_STUBS_LIST}
          --out ${CMAKE_SOURCE_DIR}/docs/COVERAGE.md
  COMMENT "Regenerating docs/COVERAGE.md"
  VERBATIM)
add_dependencies(coverage-doc shimssl_stubs)
