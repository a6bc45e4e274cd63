import type { CommandModule } from 'yargs';

// Placeholder until the command is built; replaced by its owner.
export const dbCommand: CommandModule = {
  command: 'db',
  describe: false,
  handler: () => {
    throw new Error('db: not implemented yet');
  },
};
