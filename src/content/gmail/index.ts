import { boot } from '../app/boot.ts'
import { gmailRegistry } from './selectors.ts'

boot(gmailRegistry)
