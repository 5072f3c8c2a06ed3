# Helpers shared by every component library and tool.

# LLVM is built without exceptions; code that includes LLVM headers follows it.
# The ANTLR runtime throws, so the one library that talks to it opts back in.
set(ADRS_NO_EH_FLAGS -fno-exceptions)
# GCC reports false maybe-uninitialized warnings inside llvm::formatv.
set(ADRS_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)

# The shared libLLVM keeps link times short; Debian ships it as LLVM.
set(ADRS_LLVM_LIBS LLVM)

# Fuzzing (fuzz/README.md): everything this project compiles -- the generated
# parser, the libraries, the tools -- gets coverage instrumentation plus ASan
# and UBSan, so the fuzzer sees and checks all of it. Only fuzz/ links the
# libFuzzer driver itself. libLLVM and the ANTLR runtime are prebuilt Debian
# libraries and stay uninstrumented.
if(ADRS_ENABLE_FUZZING)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ADRS_ENABLE_FUZZING needs clang: configure with "
            "-DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()

function(adrs_add_library name)
  cmake_parse_arguments(ARG "EXCEPTIONS" "" "SOURCES;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC ${ARG_LINK} ${ADRS_LLVM_LIBS})
  target_compile_options(${name} PRIVATE ${ADRS_WARNING_FLAGS})
  if(NOT ARG_EXCEPTIONS)
    target_compile_options(${name} PRIVATE ${ADRS_NO_EH_FLAGS})
  endif()
endfunction()

function(adrs_add_tool name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LINK} ${ADRS_LLVM_LIBS})
  target_compile_options(${name} PRIVATE ${ADRS_WARNING_FLAGS} ${ADRS_NO_EH_FLAGS})
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()
