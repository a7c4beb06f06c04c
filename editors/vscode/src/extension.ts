// The clive extension: starts `clivec lsp` for clive files and restarts it
// when its settings change. Everything the editor shows beyond the grammar
// comes from the server (docs/lsp.md).
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

const CLIENT_ID = 'clive';

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration('clive');
  const command = config.get<string>('path') || 'clivec';
  const stdlib = config.get<string>('stdlib');
  const env = { ...process.env };
  if (stdlib) {
    env.CLIVE_STDLIB = stdlib;
  }
  return { command, args: ['lsp'], transport: TransportKind.stdio, options: { env } };
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [{ scheme: 'file', language: 'clive' }],
    // The server reads `.clive` stores and imported modules from disk: tell
    // it when they change outside the editor.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.cl') },
  };
}

// One language client at a time; `restart` replaces it.
class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;

  async start(): Promise<void> {
    const client = new LanguageClient(CLIENT_ID, 'clive language server', serverOptions(), clientOptions());
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      const command = vscode.workspace.getConfiguration('clive').get<string>('path') || 'clivec';
      void vscode.window.showErrorMessage(
        `clive: could not start \`${command} lsp\` (set "clive.path"): ${String(error)}`);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) {
      await client.stop();
    }
  }

  dispose(): void {
    void this.stop();
  }
}

// The running extension's controller, so that deactivate can wait for the
// server's shutdown (disposing does not wait).
let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const active = new ServerController();
  controller = active;
  context.subscriptions.push(
    active,
    vscode.commands.registerCommand('clive.restartServer', () => active.restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('clive.path') || event.affectsConfiguration('clive.stdlib')) {
        void active.restart();
      }
    }),
  );
  await active.start();
}

export function deactivate(): Promise<void> | undefined {
  const stopping = controller?.stop();
  controller = undefined;
  return stopping;
}
