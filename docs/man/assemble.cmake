# cmake -DHEAD=.. -DBODY=.. -DTAIL=.. -DOUT=.. -P assemble.cmake
# Builds the Markdown source of lvsd.yaml(5): the man page's own head (NAME,
# SYNOPSIS, DESCRIPTION), then docs/config.md without its title and without
# its last section (the C++ API, for developers), then FILES and SEE ALSO.
# So the man page and docs/config.md are one text and cannot disagree.
file(READ "${HEAD}" head)
file(READ "${BODY}" body)
file(READ "${TAIL}" tail)
string(REGEX REPLACE "^# [^\n]*\n" "" body "${body}")
string(FIND "${body}" "\n## For developers" cut)
if(cut GREATER -1)
  string(SUBSTRING "${body}" 0 ${cut} body)
endif()
file(WRITE "${OUT}.tmp" "${head}${body}\n${tail}")
# Only touch OUT when it changed, so pandoc reruns only when needed.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
