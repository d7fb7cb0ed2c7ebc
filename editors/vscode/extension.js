// The VS Code client for `rspdsl lsp`: starts the server over stdio for .rsp files and opens a
// proof lens's witness (STATE.json form) in a new editor. Plain JavaScript: no build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("rspdsl");
  const [command, ...args] = settings.get("server.command", ["rspdsl", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient("rspdsl", "rspdsl language server", { run: server, debug: server }, {
    documentSelector: [{ language: "rsp" }],
    initializationOptions: {
      proofDelayMs: settings.get("proofDelayMs", 750),
      proofTimeoutMs: settings.get("proofTimeoutMs", 2000),
    },
    middleware: {
      // the server answers rspdsl.showWitness with the witness as JSON text; show it
      executeCommand: async (name, commandArgs, next) => {
        const result = await next(name, commandArgs);
        if (name === "rspdsl.showWitness" && typeof result === "string") {
          const doc = await vscode.workspace.openTextDocument({ language: "json", content: result + "\n" });
          await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
        }
        return result;
      },
    },
  });
  context.subscriptions.push(client);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `rspdsl: could not start \`${[command, ...args].join(" ")}\` (${error.message}). ` +
        'Install the server with: pip install "rspdsl[lsp]", or set rspdsl.server.command.');
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
