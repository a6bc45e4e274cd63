import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DOCUMENT_FORMATS, type DocumentFormat, serialiseDocument } from '../../config/document.js';
import { maskedConfig } from '../../config/masked-secrets.js';
import type { ConfigPathArgs } from '../options.js';
import { printText } from '../output/write.js';
import { configCommandBuilder, loadConfig } from './config-common.js';

interface ExportArgs extends ConfigPathArgs {
  format: DocumentFormat;
}

export const configExportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe:
    "Print the configuration as JSON or YAML, for keeping it in git: the file's own keys, services in file order, passwords masked (****). `monitor config import` reads it back.",
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .option('format', {
        choices: DOCUMENT_FORMATS,
        describe: 'Output format.',
        default: 'json',
        requiresArg: true,
      })
      .example('$0 config export --format yaml > monitoring.yaml', '') as Argv<ExportArgs>,
  handler: (args: ArgumentsCamelCase<ExportArgs>) => {
    // Like `config show`: a file with a bad value still exports, so it can be fixed and imported.
    const config = loadConfig(args['config-path']);
    printText(serialiseDocument(maskedConfig(config), args.format));
  },
};
