export {
  type ConsoleProcess,
  type ConsoleProcessOptions,
  ConsoleStartError,
  newConsoleToken,
  startConsoleProcess,
} from './process.ts'
