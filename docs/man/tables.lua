-- pandoc Lua filter for the man pages: table columns that fit an 80-column
-- terminal. pandoc gives each column of a wide Markdown table the same share
-- of 70 ens, which with tbl's gaps between columns is wider than man's line
-- (groff warns "table wider than line width"). Here each column first gets
-- its longest word, and what is left goes to the columns in proportion to
-- how much text they hold beyond that. Text in the cells is not justified
-- (.ad l): a narrow column cannot spread its words without gaps, and groff
-- warns "cannot adjust line" for each.
local function words_of(blocks)
  local text = pandoc.utils.stringify(blocks)
  local longest = 0
  for word in text:gmatch("%S+") do longest = math.max(longest, #word) end
  return #text, longest
end

function Table(t)
  local n = #t.colspecs
  local text, word = {}, {}
  for i = 1, n do text[i], word[i] = 1, 1 end
  local function measure(rows)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        if i <= n then
          local length, longest = words_of(cell.contents)
          text[i] = math.max(text[i], length)
          word[i] = math.max(word[i], longest + 1)
        end
      end
    end
  end
  measure(t.head.rows)
  for _, body in ipairs(t.bodies) do measure(body.body) end
  -- man's line is about 72 ens at 80 columns; tbl puts 3 ens between columns.
  local available = 70 - 3 * (n - 1)
  local rest, extra = available, 0
  for i = 1, n do
    rest = rest - word[i]
    extra = extra + math.max(0, text[i] - word[i])
  end
  for i = 1, n do
    local width = word[i]
    if rest > 0 and extra > 0 then width = width + rest * math.max(0, text[i] - word[i]) / extra end
    -- pandoc writes a share of 70 ens.
    t.colspecs[i] = {t.colspecs[i][1], width / 70}
  end
  return {pandoc.RawBlock("man", ".ad l"), t, pandoc.RawBlock("man", ".ad b")}
end
