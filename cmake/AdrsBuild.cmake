# Helpers shared by every component library and tool.

# LLVM is built without exceptions; code that includes LLVM headers follows it.
# The ANTLR runtime throws, so the one library that talks to it opts back in.
set(ADRS_NO_EH_FLAGS -fno-exceptions)
set(ADRS_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter)

# The shared libLLVM keeps link times short; Debian ships it as LLVM.
set(ADRS_LLVM_LIBS LLVM)

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
