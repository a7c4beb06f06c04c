-- Drives a real, headless Neovim against `clivec lsp` through editors/nvim
-- (ftdetect + lua/clive.lua) and records what the editor received into a
-- JSON report; nvim_e2e.py runs it and asserts on the report.
--
-- Environment: CLIVE_NVIM_PLUGIN (editors/nvim), CLIVEC, CLIVE_E2E_WORKSPACE
-- (a copy of examples/server), CLIVE_E2E_REPORT (where the report goes).
local plugin = os.getenv('CLIVE_NVIM_PLUGIN')
local workspace = os.getenv('CLIVE_E2E_WORKSPACE')
local report_path = os.getenv('CLIVE_E2E_REPORT')
local TIMEOUT_MS = 15000

vim.opt.runtimepath:prepend(plugin)
vim.cmd('filetype plugin on')
vim.cmd('syntax on')
require('clive').setup({ cmd = { os.getenv('CLIVEC'), 'lsp' } })

local report = { steps = {}, published = {}, skipped = {} }

-- Every publishDiagnostics notification, as it arrived.
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  table.insert(report.published, { uri = result.uri, count = #result.diagnostics })
  return publish(err, result, ctx, config)
end

local function wait_for(what, condition)
  if not vim.wait(TIMEOUT_MS, condition, 20) then
    error('timed out waiting for ' .. what)
  end
end

local function clive_client()
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == 'clive' then
      return client
    end
  end
  return nil
end

-- A request through Neovim's client; the server's result (or its error).
local function request(method, params)
  local responses, err = vim.lsp.buf_request_sync(0, method, params, TIMEOUT_MS)
  if responses == nil then
    error(method .. ': ' .. tostring(err))
  end
  for _, response in pairs(responses) do
    if response.err then
      error(method .. ': ' .. vim.inspect(response.err))
    end
    return response.result
  end
  error(method .. ': no client answered')
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

local function set_line(bufnr, line, text)
  vim.api.nvim_buf_set_lines(bufnr, line, line + 1, false, { text })
end

-- Moves the cursor to the `nth` occurrence of `needle` on 0-based `line`.
local function cursor_at(line, needle, nth)
  local text = vim.api.nvim_buf_get_lines(0, line, line + 1, false)[1]
  local col = 0
  for _ = 1, nth or 1 do
    col = assert(text:find(needle, col + 1, true), needle .. ' not on line ' .. line)
  end
  vim.api.nvim_win_set_cursor(0, { line + 1, col - 1 })
end

local function diagnostics_of(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, { code = d.code, line = d.lnum, col = d.col, message = d.message })
  end
  return out
end

local function file_of(bufnr)
  return vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':p')
end

local main_file = workspace .. '/clive.cl'
local third_party = workspace .. '/thirdParty/clive.cl'
-- Lines of examples/server/clive.cl (0-based) the steps edit or point at.
local JVM_LINE, COMPILE_LINE = 10, 8
local original_jvm_line

local steps = {}

function steps.open()
  vim.cmd('edit ' .. vim.fn.fnameescape(main_file))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('the clive client to attach', function()
    return #vim.lsp.buf_get_clients(bufnr) > 0
  end)
  wait_for('diagnostics of the opened module', function()
    for _, p in ipairs(report.published) do
      if vim.uri_to_fname(p.uri) == main_file then
        return true
      end
    end
    return false
  end)
  local client = clive_client()
  local capabilities = {}
  for name, value in pairs(client.server_capabilities) do
    if value ~= false and value ~= vim.NIL then
      table.insert(capabilities, name)
    end
  end
  table.sort(capabilities)
  original_jvm_line = vim.api.nvim_buf_get_lines(bufnr, JVM_LINE, JVM_LINE + 1, false)[1]
  -- The syntax group under a few words of the module.
  local syntax = {}
  for _, probe in ipairs({ { 0, '//' }, { 1, 'import' }, { 6, 'val' }, { JVM_LINE, 'JVM' }, { JVM_LINE, '16.GB' },
      { 13, '"eclipse' } }) do
    cursor_at(probe[1], probe[2])
    local cursor = vim.api.nvim_win_get_cursor(0)
    syntax[probe[2]] = vim.fn.synIDattr(vim.fn.synID(cursor[1], cursor[2] + 1, 1), 'name')
  end
  return { filetype = vim.bo.filetype, capabilities = capabilities, diagnostics = diagnostics_of(bufnr), syntax = syntax }
end

function steps.diagnostics()
  local bufnr = vim.api.nvim_get_current_buf()
  set_line(bufnr, JVM_LINE, '  jvm = JVM { versoin = 21; args = JVMArgs { memory = 16.GB } }')
  wait_for('a diagnostic for the unknown field', function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  local result = { introduced = diagnostics_of(bufnr) }
  set_line(bufnr, JVM_LINE, original_jvm_line)
  wait_for('the diagnostic to clear', function()
    return #vim.diagnostic.get(bufnr) == 0
  end)
  result.after_fix = diagnostics_of(bufnr)
  return result
end

function steps.completion()
  local bufnr = vim.api.nvim_get_current_buf()
  set_line(bufnr, JVM_LINE, '  jvm = JVM { ve; args = JVMArgs { memory = 16.GB } }')
  cursor_at(JVM_LINE, 've;')
  vim.api.nvim_win_set_cursor(0, { JVM_LINE + 1, vim.api.nvim_win_get_cursor(0)[2] + 2 })
  local result = request('textDocument/completion', vim.lsp.util.make_position_params())
  local items = {}
  for _, item in ipairs(result.items or result) do
    table.insert(items, { label = item.label, detail = item.detail, insertText = item.insertText })
  end
  set_line(bufnr, JVM_LINE, original_jvm_line)
  return { items = items }
end

function steps.definition()
  local from = vim.api.nvim_get_current_buf()
  cursor_at(COMPILE_LINE, 'ratpack')
  vim.lsp.buf.definition()
  wait_for('the jump to another module', function()
    return vim.api.nvim_get_current_buf() ~= from
  end)
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('the opened module to attach', function()
    return #vim.lsp.buf_get_clients(bufnr) > 0
  end)
  local cursor = vim.api.nvim_win_get_cursor(0)
  return {
    file = file_of(bufnr),
    line = cursor[1] - 1,
    text = vim.api.nvim_get_current_line(),
    filetype = vim.bo.filetype,
    client_roots = vim.tbl_map(function(c) return c.config.root_dir end, vim.lsp.get_active_clients()),
  }
end

-- From here on the current buffer is thirdParty/clive.cl.
function steps.hover()
  cursor_at(3, 'library')
  local result = request('textDocument/hover', vim.lsp.util.make_position_params())
  local contents = result and result.contents
  if type(contents) == 'table' then
    contents = contents.value or vim.inspect(contents)
  end
  return { contents = contents }
end

function steps.document_symbols()
  local result = request('textDocument/documentSymbol', { textDocument = vim.lsp.util.make_text_document_params() })
  local names = {}
  for _, symbol in ipairs(result) do
    table.insert(names, symbol.name)
  end
  return { names = names }
end

local function locations(result)
  local out = {}
  for _, location in ipairs(result or {}) do
    table.insert(out, { file = vim.uri_to_fname(location.uri), line = location.range.start.line })
  end
  table.sort(out, function(a, b)
    return a.file .. a.line < b.file .. b.line
  end)
  return out
end

-- Steps for the capabilities beyond the first slice of the server; each runs
-- if the server advertises the capability, and nvim_e2e.py fails on any it
-- does not advertise.
local pending = {}

pending.referencesProvider = function()
  cursor_at(3, 'ratpack')
  local params = vim.lsp.util.make_position_params()
  params.context = { includeDeclaration = true }
  return { locations = locations(request('textDocument/references', params)) }
end

pending.signatureHelpProvider = function()
  cursor_at(3, '"io.ratpack"')
  local result = request('textDocument/signatureHelp', vim.lsp.util.make_position_params())
  local signature = result and result.signatures and result.signatures[(result.activeSignature or 0) + 1]
  return { label = signature and signature.label, activeParameter = result and result.activeParameter }
end

pending.inlayHintProvider = function()
  local params = { textDocument = vim.lsp.util.make_text_document_params(),
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 5, character = 0 } } }
  local hints = {}
  for _, hint in ipairs(request('textDocument/inlayHint', params) or {}) do
    local label = hint.label
    if type(label) == 'table' then
      label = table.concat(vim.tbl_map(function(part) return part.value end, label))
    end
    table.insert(hints, { line = hint.position.line, label = label })
  end
  return { hints = hints }
end

pending.semanticTokensProvider = function()
  local client = clive_client()
  local legend = client.server_capabilities.semanticTokensProvider.legend
  local result = request('textDocument/semanticTokens/full', { textDocument = vim.lsp.util.make_text_document_params() })
  local data, tokens, line, col = result.data, {}, 0, 0
  for i = 1, #data, 5 do
    if data[i] > 0 then
      col = 0
    end
    line, col = line + data[i], col + data[i + 1]
    local text = vim.api.nvim_buf_get_lines(0, line, line + 1, false)[1] or ''
    table.insert(tokens, { line = line, text = text:sub(col + 1, col + data[i + 2]), type = legend.tokenTypes[data[i + 3] + 1] })
  end
  return { count = #data, tokens = tokens }
end

pending.workspaceSymbolProvider = function()
  local result = request('workspace/symbol', { query = 'hadoop' })
  local out = {}
  for _, symbol in ipairs(result or {}) do
    table.insert(out, { name = symbol.name, file = symbol.location.uri and vim.uri_to_fname(symbol.location.uri) })
  end
  return { symbols = out }
end

pending.renameProvider = function()
  local bufnr = vim.api.nvim_get_current_buf()
  cursor_at(3, 'ratpack')
  vim.lsp.buf.rename('ratpackCore')
  wait_for('the rename to be applied', function()
    return buffer_text(bufnr):find('ratpackCore', 1, true) ~= nil
  end)
  local main = vim.fn.bufnr(main_file)
  wait_for('the rename to reach the importing module', function()
    return buffer_text(main):find('ratpackCore', 1, true) ~= nil
  end)
  return { here = buffer_text(bufnr), importer = buffer_text(main) }
end

pending.documentFormattingProvider = function()
  local bufnr = vim.api.nvim_get_current_buf()
  set_line(bufnr, 4, 'val   hadoop=library( "org.apache.hadoop","hadoop-common",  "3.3.6" )')
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ async = false, timeout_ms = TIMEOUT_MS })
  else
    vim.lsp.buf.formatting_sync(nil, TIMEOUT_MS)
  end
  return { line = vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1] }
end

pending.codeActionProvider = function()
  local bufnr = vim.fn.bufnr(main_file)
  vim.cmd('buffer ' .. bufnr)
  set_line(bufnr, JVM_LINE, '  jvm = JVM { versoin = 21; args = JVMArgs { memory = 16.GB } }')
  wait_for('a diagnostic for the unknown field', function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  local diagnostic = vim.diagnostic.get(bufnr)[1]
  cursor_at(JVM_LINE, 'versoin')
  local params = vim.lsp.util.make_range_params()
  -- As vim.lsp.buf.code_action sends it: the LSP form of the diagnostic
  -- (Neovim keeps the server's extra fields, such as `data`, in user_data.lsp).
  local lsp_diagnostic = vim.tbl_extend('force', diagnostic.user_data and diagnostic.user_data.lsp or {}, {
    range = { start = { line = diagnostic.lnum, character = diagnostic.col },
      ['end'] = { line = diagnostic.end_lnum, character = diagnostic.end_col } },
    message = diagnostic.message, code = diagnostic.code, severity = diagnostic.severity })
  params.context = { diagnostics = { lsp_diagnostic } }
  local titles, applied = {}, nil
  for _, action in ipairs(request('textDocument/codeAction', params) or {}) do
    table.insert(titles, action.title)
    if applied == nil and action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, clive_client().offset_encoding)
      applied = vim.api.nvim_buf_get_lines(bufnr, JVM_LINE, JVM_LINE + 1, false)[1]
    end
  end
  return { titles = titles, applied = applied }
end

local order = { 'open', 'diagnostics', 'completion', 'definition', 'hover', 'document_symbols' }
local pending_order = { 'referencesProvider', 'signatureHelpProvider', 'inlayHintProvider', 'semanticTokensProvider',
  'workspaceSymbolProvider', 'renameProvider', 'documentFormattingProvider', 'codeActionProvider' }

local function write_report()
  local file = assert(io.open(report_path, 'w'))
  file:write(vim.json.encode(report))
  file:close()
end

local function run()
  for _, name in ipairs(order) do
    report.steps[name] = steps[name]()
  end
  local capabilities = clive_client().server_capabilities
  for _, capability in ipairs(pending_order) do
    if capabilities[capability] then
      report.steps[capability] = pending[capability]()
    else
      table.insert(report.skipped, capability)
    end
  end
end

vim.api.nvim_create_autocmd('VimEnter', {
  callback = function()
    vim.defer_fn(function()
      local ok, err = xpcall(run, debug.traceback)
      if not ok then
        report.error = tostring(err)
      end
      local client = clive_client()
      if client then
        client.stop()
        vim.wait(TIMEOUT_MS, function() return client.is_stopped() end, 20)
      end
      write_report()
      vim.cmd('qall!')
    end, 0)
  end,
})
