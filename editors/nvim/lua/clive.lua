-- clive for Neovim's built-in LSP client (no nvim-lspconfig needed).
--
--   require('clive').setup({ cmd = { 'clivec', 'lsp' } })
--
-- starts `clivec lsp` for every buffer of filetype `clive` (ftdetect/clive.vim
-- sets it for clive.cl and *.cl). Works with Neovim 0.7 (Debian bookworm) and
-- later: 0.7 has no vim.lsp.start, so clients are started and shared by hand.
local M = {}

local defaults = {
  cmd = { 'clivec', 'lsp' },
  -- Passed to vim.lsp.start_client: capabilities, on_attach, handlers, ...
  client = {},
}

local function is_directory(path)
  local stat = vim.loop.fs_stat(path)
  return stat ~= nil and stat.type == 'directory'
end

local function parent(path)
  return vim.fn.fnamemodify(path, ':h')
end

-- True if `path` is `dir` or below it.
local function contains(dir, path)
  return path == dir or path:sub(1, #dir + 1) == dir .. '/'
end

-- The workspace of a file, as the server decides it (docs/lsp.md, with the
-- current directory as the folder the client names): the nearest ancestor
-- with a `.clive` store; else, for a file below the current directory, the
-- topmost directory on the way down to it that holds a clive.cl; else the
-- file's own directory.
function M.root_dir(file)
  local dir = parent(file)
  local candidate = dir
  while true do
    if is_directory(candidate .. '/.clive') then
      return candidate
    end
    local up = parent(candidate)
    if up == candidate then
      break
    end
    candidate = up
  end
  local cwd = vim.fn.getcwd()
  if contains(cwd, dir) then
    local path = cwd
    for part in vim.gsplit(dir:sub(#cwd + 2), '/', true) do
      if vim.loop.fs_stat(path .. '/clive.cl') then
        return path
      end
      path = path .. '/' .. part
    end
  end
  return dir
end

-- Clients this module started, by id: Neovim 0.7 lists a client among the
-- active ones only once it has initialized, and a buffer's FileType can fire
-- again before that.
local started = {}

-- A running clive client whose workspace holds `file`: one server serves a
-- workspace, also the modules a go-to-definition opens.
local function client_for(file)
  for id in pairs(started) do
    local client = vim.lsp.get_client_by_id(id)
    -- `:` works on 0.7 (which ignores the argument) and is what 0.11 wants.
    if client == nil or client:is_stopped() then
      started[id] = nil
    elseif contains(client.config.root_dir, file) then
      return id
    end
  end
  return nil
end

function M.attach(bufnr, opts)
  local file = vim.api.nvim_buf_get_name(bufnr)
  if file == '' then
    return
  end
  local id = client_for(file)
  if id == nil then
    local root = M.root_dir(file)
    local config = vim.tbl_extend('force', opts.client, {
      name = 'clive',
      cmd = opts.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    })
    id = vim.lsp.start_client(config)
    if id ~= nil then
      started[id] = true
    end
  end
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  opts = vim.tbl_deep_extend('force', defaults, opts or {})
  local group = vim.api.nvim_create_augroup('clive_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'clive',
    callback = function(args)
      M.attach(args.buf, opts)
    end,
  })
end

return M
