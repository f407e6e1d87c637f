# Shared helpers for the process-spawning suites (interop, apps, install).
# Each of those CMakeLists.txt includes this file; the target is defined once.
if(NOT TARGET shimssl_testlib)
  # Harness validation: point every external-program test at another
  # libssl.so.3 (e.g. -DSHIMSSL_TEST_LIB=/usr/lib/x86_64-linux-gnu/libssl.so.3)
  # to prove the tests themselves pass on OpenSSL. The environment variable
  # SHIMSSL_TEST_LIB does the same at run time.
  set(SHIMSSL_TEST_LIB "" CACHE STRING "libssl.so.3 the app/interop tests load instead of ours")

  add_library(shimssl_testlib STATIC ${CMAKE_CURRENT_LIST_DIR}/testlib.cc)
  target_include_directories(shimssl_testlib PUBLIC ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(shimssl_testlib PUBLIC GTest::gtest Threads::Threads)
  target_compile_definitions(shimssl_testlib PUBLIC ${SHIMSSL_TEST_DEFS}
    SHIMSSL_TEST_LIB_OVERRIDE="${SHIMSSL_TEST_LIB}")
  if(SHIMSSL_SANITIZE)
    # The runtime an ASan-built libssl needs when injected into an
    # uninstrumented program (LD_PRELOAD it first).
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
      OUTPUT_VARIABLE SHIMSSL_ASAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
    get_filename_component(SHIMSSL_ASAN_RUNTIME "${SHIMSSL_ASAN_RUNTIME}" REALPATH)
    target_compile_definitions(shimssl_testlib PUBLIC SHIMSSL_TEST_SANITIZE=1
      SHIMSSL_TEST_ASAN_RUNTIME="${SHIMSSL_ASAN_RUNTIME}")
  endif()
endif()
